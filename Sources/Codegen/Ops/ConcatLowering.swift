import DSL

/// Concatenation along channels; its backward hands each input its channels of dy.
extension ProgramBuilder {
    func concatForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        return kernel(node.id, s.suffix, "concat \(shapes(node))",
                      code: ElementwiseKernels.concat(node.shape, channels: node.inputs.map { graph.nodes[$0].shape.c }, x: s.x, y: s.y),
                      flops: 0)
    }

    func concatBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        var offset = 0
        var kernels: [Int] = []
        for (k, input) in node.inputs.enumerated() {
            let c = graph.nodes[input].shape.c
            if s.needs[k] {
                let t = target(input, &g.buffers)
                kernels.append(kernel(node.id, "bwd\(k)", "d concat input \(k) (channels \(offset)..<\(offset + c)) \(shapes(node))",
                                      code: ElementwiseKernels.concatBackward(node.shape, offset: offset, channels: c,
                                                                              accumulate: t.accumulate, dy: s.dy, dx: t.buffer),
                                      flops: 0))
            }
            offset += c
        }
        return kernels
    }
}
