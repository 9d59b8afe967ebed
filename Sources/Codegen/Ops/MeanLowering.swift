import DSL

/// The mean of all elements (a loss); its backward spreads dy evenly.
extension ProgramBuilder {
    func meanForward(_ s: ForwardStep) throws -> Int {
        let n = graph.nodes[s.node.inputs[0]].shape.count
        return kernel(s.node.id, s.suffix, "mean \(shapes(s.node))", code: HeadKernels.mean(n, x: s.x[0], y: s.y), flops: s.flops)
    }

    func meanBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        let t = target(node.inputs[0], &g.buffers)
        let n = graph.nodes[node.inputs[0]].shape.count
        return [kernel(node.id, "bwd", "d mean \(shapes(node))",
                       code: HeadKernels.meanBackward(n, accumulate: t.accumulate, dy: s.dy, dx: t.buffer), flops: n)]
    }
}
