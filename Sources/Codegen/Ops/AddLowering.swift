import DSL

/// An elementwise sum of two or more inputs (a residual add), with the activation fused
/// after it; its backward shares gradient buffers where it can.
extension ProgramBuilder {
    func addForward(_ s: ForwardStep) throws -> Int {
        kernel(s.node.id, s.suffix, "add \(shapes(s.node))\(s.fused)",
               code: ElementwiseKernels.add(s.count, act: s.act, x: s.x, y: s.y),
               flops: s.count * max(s.x.count - 1 + (s.act != nil ? 1 : 0), 1))
    }

    /// A sum passes its (activation-masked) gradient to every input. An input with no other
    /// reader shares a gradient buffer instead of getting a copy: the incoming one when no
    /// activation was fused, else the masked one, which is then materialized once: in place
    /// of the incoming one where no gradient still to be read shares that buffer. An input
    /// added to itself gets one store of the multiplied gradient.
    func addBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let (node, step, act, dy) = (s.node, s.step, s.act, s.dy)
        let inPlace = act != nil && owns(dy, step, g)
        var shared: Int? = act == nil || inPlace ? dy : nil
        var stores: [(buffer: Int, accumulate: Bool, times: Int)] = []
        for input in node.inputs where flow.needsGradient(input) {
            if contributions(input) == 1 {
                if shared == nil {
                    shared = scratch("grad." + node.name, node.shape.dims)
                    stores.append((shared!, false, 1))
                }
                g.buffers[input] = shared
            } else if let i = stores.firstIndex(where: { $0.buffer == g.buffers[input] }) {
                stores[i].times += 1
            } else {
                let t = target(input, &g.buffers)
                stores.append((t.buffer, t.accumulate, 1))
            }
        }
        // Some input took the incoming buffer: with an activation, it is masked where it is.
        let masksInPlace = inPlace && node.inputs.contains { flow.needsGradient($0) && contributions($0) == 1 }
        guard !stores.isEmpty || masksInPlace else { return [] }
        var kernels: [Int] = []
        let z = act != nil ? savedValue(step.output, &g.state, &kernels) : nil
        let what = "d add\(act.map { _ in " + " + graph.nodes[step.output].op.kind } ?? "")\(masksInPlace ? " (in place)" : "") \(shapes(node))"
        return kernels + [kernel(node.id, "bwd", what,
                                 code: ElementwiseKernels.addBackward(node.shape.count, act: act, inPlace: masksInPlace, dy: dy, z: z,
                                                                      targets: stores),
                                 flops: node.shape.count * (stores.count + (masksInPlace ? 1 : 0)))]
    }
}
