import DSL

/// Max pooling; its backward routes dy to each window's maximum.
extension ProgramBuilder {
    func maxPoolForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        guard case .maxPool2d(let a) = node.op else { throw CodegenError("internal: '\(node.name)' is not a max pool") }
        let xs = graph.nodes[node.inputs[0]].shape
        return kernel(node.id, s.suffix, "maxpool \(a.kernel[0])x\(a.kernel[1]) s\(a.stride[0]) \(shapes(node))",
                      code: ElementwiseKernels.maxPool(a, xs, node.shape, x: s.x[0], y: s.y), flops: s.flops)
    }

    func maxPoolBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard case .maxPool2d(let a) = node.op else { throw CodegenError("internal: '\(node.name)' is not a max pool") }
        guard s.needs[0] else { return [] }
        let t = target(node.inputs[0], &g.buffers)
        let xs = graph.nodes[node.inputs[0]].shape
        return [kernel(node.id, "bwd", "d maxpool \(shapes(node))",
                       code: ElementwiseKernels.maxPoolBackward(a, xs, node.shape, accumulate: t.accumulate,
                                                                x: value(node.inputs[0]), dy: s.dy, dx: t.buffer),
                       flops: node.shape.count * a.kernel[0] * a.kernel[1])]
    }
}
