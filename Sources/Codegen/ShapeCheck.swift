import DSL

/// Pass 1: every node's declared shape must be what its op makes of its inputs and
/// attributes, and every parameter it reads must have the shape the op needs. The kernels
/// bake these sizes in as constants, so a wrong shape here would be a silent overrun later.
enum ShapeCheck {
    static func run(_ graph: Graph) throws {
        var problems: [String] = []
        for (index, node) in graph.nodes.enumerated() {
            let label = "node \(index) '\(node.name)' (\(node.op.kind))"
            guard node.id == index else { problems.append("\(label): id \(node.id) is not its index"); continue }
            guard node.inputs.allSatisfy({ (0..<index).contains($0) }) else {
                problems.append("\(label): inputs \(node.inputs) are not earlier nodes"); continue
            }
            let inputs = node.inputs.map { graph.nodes[$0].shape.dims }
            do {
                try checkKernelLimits(node.op)
                let expected = try node.op.outputShape(inputs) ?? node.shape.dims
                if expected != node.shape.dims {
                    problems.append("\(label): declared \(node.shape), its inputs give \(Shape(expected))")
                }
                let wanted = node.op.contract.parameters
                if wanted.count != node.params.count {
                    problems.append("\(label): reads \(node.params.count) parameters, the op needs \(wanted.count)")
                }
                for (name, (_, shape)) in zip(node.params, wanted) {
                    guard let p = graph.parameter(name) else { problems.append("\(label): reads undeclared '\(name)'"); continue }
                    if p.shape.dims != shape { problems.append("\(label): '\(name)' is \(p.shape), the op needs \(Shape(shape))") }
                }
            } catch let e as CodegenError {
                problems.append("\(label): \(e.message)")
            } catch let e as ShapeRuleError {
                problems.append("\(label): \(e.message)")
            }
        }
        // Kernel sizes are C int constants, the largest a tensor or a convolution's window matrix.
        let wellFormed = problems.isEmpty
        for node in graph.nodes where wellFormed && !fitsKernels(node, graph) {
            problems.append("node '\(node.name)' \(node.shape) is too large for the generated kernels (over 2^31 elements)")
        }
        for out in graph.outputs where !graph.nodes.indices.contains(out.node) {
            problems.append("output '\(out.name)' names node \(out.node), which does not exist")
        }
        if !problems.isEmpty { throw CodegenError("shape check failed:\n  " + problems.joined(separator: "\n  ")) }
    }

    /// The kernels' own limit beyond the op's contract: a convolution's kernel width is at
    /// most RDC_MAX_KW (templates/rdc_gemm.c), the taps a window row holds.
    static func checkKernelLimits(_ op: Op) throws {
        let width: Int
        switch op {
        case .conv2d(let a): width = a.kernel[1]
        case .convTranspose2d(let a): width = a.kernel[1]
        default: return
        }
        if width > TemplateConstants.maxKernelWidth {
            throw CodegenError("kernel width \(width) is over \(TemplateConstants.maxKernelWidth) (RDC_MAX_KW of templates/rdc_gemm.c)")
        }
    }

    /// Elements of one image's window matrix (DenseConvKernels), 0 for other ops.
    static func windowElements(_ node: Node, _ graph: Graph) -> Int? {
        switch node.op {
        case .conv2d(let a): return a.groups < 1 ? nil : Shape([a.inChannels / a.groups, a.kernel[0], a.kernel[1], node.shape.h, node.shape.w]).checkedCount
        case .convTranspose2d(let a):
            let x = graph.nodes[node.inputs[0]].shape
            return Shape([a.outChannels, a.kernel[0], a.kernel[1], x.h, x.w]).checkedCount
        default: return 0
        }
    }

    /// Whether a node's tensor and window matrix fit Shape.maxElements, by checked products:
    /// a graph read from a file may hold any sizes.
    static func fitsKernels(_ node: Node, _ graph: Graph) -> Bool {
        [node.shape.checkedCount, windowElements(node, graph)].allSatisfy { $0.map { $0 <= Shape.maxElements } ?? false }
    }
}
