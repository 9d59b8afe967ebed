import DSL

/// An activation on its own (where no kernel before it takes it as an epilogue).
extension ProgramBuilder {
    func activationForward(_ s: ForwardStep) throws -> Int {
        kernel(s.node.id, s.suffix, "\(s.node.op.kind) \(shapes(s.node))", args: [("x", s.x[0], false), ("y", s.y, true)],
               body: ElementwiseKernels.activation(s.count, Activation(s.node.op)!), flops: s.flops)
    }

    func activationBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard s.needs[0] else { return [] }
        let t = target(node.inputs[0], &g.buffers)
        return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))",
                       args: [("dy", s.dy, false), ("z", value(node.id), false), ("dx", t.buffer, true)],
                       body: ElementwiseKernels.activationBackward(node.shape.count, Activation(node.op)!, accumulate: t.accumulate),
                       flops: node.shape.count)]
    }
}
