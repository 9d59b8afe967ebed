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
                let expected = try outputShape(node.op, inputs) ?? node.shape.dims
                if expected != node.shape.dims {
                    problems.append("\(label): declared \(node.shape), its inputs give \(Shape(expected))")
                }
                let wanted = parameterShapes(node.op)
                if wanted.count != node.params.count {
                    problems.append("\(label): reads \(node.params.count) parameters, the op needs \(wanted.count)")
                }
                for (name, shape) in zip(node.params, wanted) {
                    guard let p = graph.parameter(name) else { problems.append("\(label): reads undeclared '\(name)'"); continue }
                    if p.shape.dims != shape { problems.append("\(label): '\(name)' is \(p.shape), the op needs \(Shape(shape))") }
                }
            } catch let e as CodegenError {
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

    /// The shape the op's contract (DSL `Op`) gives for these input shapes; nil for an
    /// input node, whose shape is its own.
    static func outputShape(_ op: Op, _ x: [[Int]]) throws -> [Int]? {
        func need(_ ok: Bool, _ why: @autoclosure () -> String) throws { if !ok { throw CodegenError(why()) } }
        func arity(_ n: ClosedRange<Int>) throws {
            try need(n.contains(x.count), "takes \(n.lowerBound)...\(n.upperBound) inputs, has \(x.count)")
        }
        func window(_ i: Int, _ k: Int, _ s: Int, _ before: Int, _ after: Int) throws -> Int {
            try need(k >= 1 && s >= 1 && before >= 0 && after >= 0 && i + before + after >= k,
                     "window \(k) stride \(s) does not fit \(i) padded by \(before)+\(after)")
            return (i + before + after - k) / s + 1
        }
        switch op {
        case .input:
            try arity(0...0)
            return nil
        case .conv2d(let a):
            try arity(1...1)
            try need(x[0].count == 4 && x[0][1] == a.inChannels, "expects [N,\(a.inChannels),H,W], got \(Shape(x[0]))")
            try need(a.groups >= 1 && a.inChannels % a.groups == 0 && a.outChannels % a.groups == 0,
                     "\(a.groups) groups do not divide \(a.inChannels) -> \(a.outChannels)")
            try need(a.kernel[1] <= 16, "kernel width \(a.kernel[1]) is over 16 (RDC_MAX_KW of templates/rdc_gemm.c)")
            let p = a.padding
            return [x[0][0], a.outChannels, try window(x[0][2], a.kernel[0], a.stride[0], p.top, p.bottom),
                    try window(x[0][3], a.kernel[1], a.stride[1], p.left, p.right)]
        case .convTranspose2d(let a):
            try arity(1...1)
            try need(x[0].count == 4 && x[0][1] == a.inChannels, "expects [N,\(a.inChannels),H,W], got \(Shape(x[0]))")
            try need(a.stride.allSatisfy { $0 >= 1 } && a.kernel.allSatisfy { $0 >= 1 }, "kernel and stride must be positive")
            try need(a.kernel[1] <= 16, "kernel width \(a.kernel[1]) is over 16 (RDC_MAX_KW of templates/rdc_gemm.c)")
            return [x[0][0], a.outChannels, (x[0][2] - 1) * a.stride[0] + a.kernel[0], (x[0][3] - 1) * a.stride[1] + a.kernel[1]]
        case .batchNorm(let a):
            try arity(1...1)
            try need(x[0].count == 4 && x[0][1] == a.channels, "expects [N,\(a.channels),H,W], got \(Shape(x[0]))")
            return x[0]
        case .relu, .relu6:
            try arity(1...1)
            return x[0]
        case .maxPool2d(let a):
            try arity(1...1)
            try need(x[0].count == 4, "expects [N,C,H,W], got \(Shape(x[0]))")
            let p = a.padding
            return [x[0][0], x[0][1], try window(x[0][2], a.kernel[0], a.stride[0], p.top, p.bottom),
                    try window(x[0][3], a.kernel[1], a.stride[1], p.left, p.right)]
        case .add:
            try arity(1...Int.max)
            try need(x.allSatisfy { $0 == x[0] }, "adds tensors of different shapes \(x.map { Shape($0) })")
            return x[0]
        case .concat:
            try arity(1...Int.max)
            try need(x.allSatisfy { $0.count == 4 && $0[0] == x[0][0] && $0[2] == x[0][2] && $0[3] == x[0][3] },
                     "concatenates \(x.map { Shape($0) }): all but channels must agree")
            return [x[0][0], x.map { $0[1] }.reduce(0, +), x[0][2], x[0][3]]
        case .cosineDistance:
            try arity(2...2)
            try need(x[0] == x[1] && x[0].count == 4, "compares \(Shape(x[0])) with \(Shape(x[1]))")
            return [x[0][0], x[0][2], x[0][3]]
        case .cosineDistanceFlat:
            try arity(2...2)
            try need(x[0] == x[1] && !x[0].isEmpty, "compares \(Shape(x[0])) with \(Shape(x[1]))")
            return [x[0][0]]
        case .mean:
            try arity(1...1)
            return []
        case .upsampleBilinear(let h, let w):
            try arity(1...1)
            try need(x[0].count == 3 && h >= 1 && w >= 1, "expects [N,h,w], got \(Shape(x[0]))")
            return [x[0][0], h, w]
        case .gaussianBlur(let sigma, let truncate):
            try arity(1...1)
            try need(x[0].count == 3 && sigma > 0 && truncate >= 0, "expects [N,H,W] and sigma > 0, got \(Shape(x[0]))")
            return x[0]
        case .maxPerSample:
            try arity(1...1)
            try need(!x[0].isEmpty, "expects [N,...], got a scalar")
            return [x[0][0]]
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

    /// Shapes of the parameters the op reads, in the order its case documents.
    static func parameterShapes(_ op: Op) -> [[Int]] {
        switch op {
        case .conv2d(let a): return [a.weightShape] + (a.bias ? [[a.outChannels]] : [])
        case .convTranspose2d(let a): return [a.weightShape] + (a.bias ? [[a.outChannels]] : [])
        case .batchNorm(let a): return Array(repeating: [a.channels], count: 4)
        default: return []
        }
    }
}
