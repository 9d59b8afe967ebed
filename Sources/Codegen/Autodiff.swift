import DSL

extension ProgramBuilder {
    /// Pass: reverse-mode autodiff of the loss w.r.t. the trainable parameters, over the
    /// training-mode steps (so fused activations are differentiated from the fused output).
    /// Steps run in reverse; each writes the gradients of its inputs that need one
    /// (GradientFlow) and of its trainable parameters. A value read by several nodes gets
    /// its gradient written by the first contribution (its last reader) and accumulated by
    /// the others, so gradient buffers are never zero-filled; a residual add whose input has
    /// no other reader hands that input its own gradient buffer instead of copying it, and a
    /// training BatchNorm or add+ReLU writes its input's gradient over its incoming one where
    /// no other gradient still to be read shares that buffer.
    func differentiate(_ steps: [Step]) throws -> [Int] {
        var grads: [Int?] = Array(repeating: nil, count: graph.nodes.count)
        let loss = flow.loss
        grads[loss] = scratch("grad." + graph.nodes[loss].name, [])
        var kernels = [kernel(loss, "seed", "d loss / d loss = 1", code: HeadKernels.seed(y: grads[loss]!), flops: 0)]
        var g = Gradients(buffers: grads, state: BackwardState(batchNorms: steps.filter { savedStatistics[$0.main] != nil },
                                                               sums: steps.filter { graph.nodes[$0.main].op == .add }))
        for step in steps.reversed() where flow.needsGradient(step.output) {
            guard let dy = g.buffers[step.output] else {
                throw CodegenError("internal: no gradient reached '\(graph.nodes[step.output].name)'")
            }
            kernels += try backward(step, dy: dy, &g)
            g.state.differentiated.insert(step.output)
        }
        return kernels
    }

    /// What the backward tracks besides the gradients. The forward values it reads: a training
    /// BatchNorm's output (with its fused activation) is recomputed from its input and saved
    /// statistics where the backward needs it (the next convolution's weight gradient) instead
    /// of being kept from the forward: one elementwise pass buys back a whole activation of
    /// memory across the step's peak, which is the backward's start. So is a residual sum of
    /// such outputs (a decoder block's, with its ReLU), which the next block reads and its own
    /// backward masks with. And which steps are done, so that a step may overwrite an
    /// incoming gradient nothing else will read.
    struct BackwardState {
        /// Training BatchNorm steps by output node.
        let batchNorms: [Int: Step]
        /// Sum steps (add + activation) by output node.
        let sums: [Int: Step]
        /// Recomputed outputs: buffer by node.
        var recomputed: [Int: Int] = [:]
        /// Outputs of the steps whose backward has been emitted.
        var differentiated: Set<Int> = []

        init(batchNorms: [Step], sums: [Step]) {
            self.batchNorms = Dictionary(uniqueKeysWithValues: batchNorms.map { ($0.output, $0) })
            self.sums = Dictionary(uniqueKeysWithValues: sums.map { ($0.output, $0) })
        }
    }

    /// The buffer holding `node`'s forward value for a backward kernel: its own, or one it is
    /// recomputed into by a kernel appended to `kernels` (BackwardState).
    func savedValue(_ node: Int, _ state: inout BackwardState, _ kernels: inout [Int]) -> Int {
        let own = value(node)
        guard program.buffers[own].placement == .arena else { return own }
        if let b = state.recomputed[node] { return b }
        if let sum = state.sums[node] { return recomputedSum(sum, &state, &kernels) ?? own }
        guard let step = state.batchNorms[node], let stats = savedStatistics[step.main] else { return own }
        let bn = graph.nodes[step.main], act = step.act.map { Activation(graph.nodes[$0].op)! }
        let b = scratch("recomputed." + graph.nodes[node].name, graph.nodes[node].shape.dims)
        state.recomputed[node] = b
        let what = "batchnorm\(act.map { _ in " + " + graph.nodes[node].op.kind } ?? "") again, from the saved statistics \(shapes(bn))"
        let term = SavedBatchNorm(x: value(bn.inputs[0]), w: parameter(bn.params[0]), b: parameter(bn.params[1]),
                                  saveMean: stats.mean, saveInvstd: stats.invstd)
        kernels.append(kernel(bn.id, "recompute", what, code: BatchNormKernels.recompute(bn.shape, act: act, term: term, z: b),
                              flops: 3 * bn.shape.count))
        return b
    }

    /// A sum step's output recomputed (BatchNormKernels.sumRecompute) where every term is a
    /// training BatchNorm's output; nil otherwise.
    private func recomputedSum(_ step: Step, _ state: inout BackwardState, _ kernels: inout [Int]) -> Int? {
        let sum = graph.nodes[step.main]
        let terms = sum.inputs.compactMap { state.batchNorms[$0] }
        guard terms.count == sum.inputs.count, Set(sum.inputs).count == sum.inputs.count else { return nil }
        var saved: [(act: Activation?, saved: SavedBatchNorm)] = []
        for term in terms {
            let bn = graph.nodes[term.main]
            guard let stats = savedStatistics[bn.id] else { return nil }
            saved.append((term.act.map { Activation(graph.nodes[$0].op)! },
                          SavedBatchNorm(x: value(bn.inputs[0]), w: parameter(bn.params[0]), b: parameter(bn.params[1]),
                                         saveMean: stats.mean, saveInvstd: stats.invstd)))
        }
        let b = scratch("recomputed." + graph.nodes[step.output].name, graph.nodes[step.output].shape.dims)
        state.recomputed[step.output] = b
        let act = step.act.map { Activation(graph.nodes[$0].op)! }
        let what = "add\(act.map { _ in " + " + graph.nodes[step.output].op.kind } ?? "") of \(terms.count) batchnorms again, "
            + "from their inputs and saved statistics \(shapes(sum))"
        kernels.append(kernel(sum.id, "recompute", what, code: BatchNormKernels.sumRecompute(sum.shape, terms: saved, act: act, z: b),
                              flops: (3 * terms.count) * sum.shape.count))
        return b
    }

    /// Edges into `node` whose reader passes a gradient back.
    func contributions(_ node: Int) -> Int {
        facts.consumers[node].filter { flow.needsGradient($0) }.count
    }

    /// Where one edge's gradient contribution to `node` goes, and whether it accumulates.
    func target(_ node: Int, _ grads: inout [Int?]) -> (buffer: Int, accumulate: Bool) {
        if let b = grads[node] { return (b, true) }
        let b = scratch("grad." + graph.nodes[node].name, graph.nodes[node].shape.dims)
        grads[node] = b
        return (b, false)
    }

    /// The kernels of one step's backward, by its op's lowering (Ops/).
    private func backward(_ step: Step, dy: Int, _ g: inout Gradients) throws -> [Int] {
        let node = graph.nodes[step.main]
        let s = BackwardStep(step: step, node: node, dy: dy, act: step.act.map { Activation(graph.nodes[$0].op)! },
                             needs: node.inputs.map { flow.needsGradient($0) }, unsupported: { why in
            CodegenError("cannot differentiate '\(node.name)' (\(node.op.kind)) on the way to '\(self.graph.nodes[self.flow.loss].name)': \(why)")
        })
        guard step.bn == nil else { throw s.unsupported("an eval-mode BatchNorm fused into it") }
        return try node.op.lowering.backward(self)(s, &g)
    }

    /// Whether `step` may overwrite its incoming gradient buffer `dy`: no other gradient still
    /// to be read shares it.
    func owns(_ dy: Int, _ step: Step, _ g: Gradients) -> Bool {
        g.buffers.indices.allSatisfy { g.buffers[$0] != dy || $0 == step.output || g.state.differentiated.contains($0) }
    }
}
