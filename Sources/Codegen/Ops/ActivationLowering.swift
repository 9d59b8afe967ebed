import DSL

/// An activation on its own (where no kernel before it takes it as an epilogue).
extension ProgramBuilder {
    func activationForward(_ s: ForwardStep) throws -> Int {
        kernel(s.node.id, s.suffix, "\(s.node.op.kind) \(shapes(s.node))",
               code: ElementwiseKernels.activation(s.count, Activation(s.node.op)!, x: s.x[0], y: s.y), flops: s.flops)
    }

    func activationBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard s.needs[0] else { return [] }
        let t = target(node.inputs[0], &g.buffers)
        return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))",
                       code: ElementwiseKernels.activationBackward(node.shape.count, Activation(node.op)!, accumulate: t.accumulate,
                                                                   dy: s.dy, z: value(node.id), dx: t.buffer),
                       flops: node.shape.count)]
    }
}
