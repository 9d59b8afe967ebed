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
        var kernels = [kernel(loss, "seed", "d loss / d loss = 1", args: [("y", grads[loss]!, true)], body: HeadKernels.seed, flops: 0)]
        var state = BackwardState(batchNorms: steps.filter { savedStatistics[$0.main] != nil },
                                  sums: steps.filter { graph.nodes[$0.main].op == .add })
        for step in steps.reversed() where flow.needsGradient(step.output) {
            guard let dy = grads[step.output] else {
                throw CodegenError("internal: no gradient reached '\(graph.nodes[step.output].name)'")
            }
            kernels += try backward(step, dy: dy, grads: &grads, state: &state)
            state.differentiated.insert(step.output)
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
    private func savedValue(_ node: Int, _ state: inout BackwardState, _ kernels: inout [Int]) -> Int {
        let own = value(node)
        guard program.buffers[own].placement == .arena else { return own }
        if let b = state.recomputed[node] { return b }
        if let sum = state.sums[node] { return recomputedSum(sum, &state, &kernels) ?? own }
        guard let step = state.batchNorms[node], let stats = savedStatistics[step.main] else { return own }
        let bn = graph.nodes[step.main], act = step.act.map { Activation(graph.nodes[$0].op)! }
        let b = scratch("recomputed." + graph.nodes[node].name, graph.nodes[node].shape.dims)
        state.recomputed[node] = b
        let what = "batchnorm\(act.map { _ in " + " + graph.nodes[node].op.kind } ?? "") again, from the saved statistics \(shapes(bn))"
        kernels.append(kernel(bn.id, "recompute", what,
                              args: [("x", value(bn.inputs[0]), false), ("w", parameter(bn.params[0]), false),
                                     ("b", parameter(bn.params[1]), false), ("save_mean", stats.mean, false),
                                     ("save_invstd", stats.invstd, false), ("z", b, true)],
                              body: BatchNormKernels.recompute(bn.shape, act: act), flops: 3 * bn.shape.count))
        return b
    }

    /// A sum step's output recomputed (BatchNormKernels.sumRecompute) where every term is a
    /// training BatchNorm's output; nil otherwise.
    private func recomputedSum(_ step: Step, _ state: inout BackwardState, _ kernels: inout [Int]) -> Int? {
        let sum = graph.nodes[step.main]
        let terms = sum.inputs.compactMap { state.batchNorms[$0] }
        guard terms.count == sum.inputs.count, Set(sum.inputs).count == sum.inputs.count else { return nil }
        var args: [(String, Int, Bool)] = []
        for (k, term) in terms.enumerated() {
            let bn = graph.nodes[term.main]
            guard let stats = savedStatistics[bn.id] else { return nil }
            args += [("x\(k)", value(bn.inputs[0]), false), ("w\(k)", parameter(bn.params[0]), false),
                     ("b\(k)", parameter(bn.params[1]), false), ("save_mean\(k)", stats.mean, false),
                     ("save_invstd\(k)", stats.invstd, false)]
        }
        let b = scratch("recomputed." + graph.nodes[step.output].name, graph.nodes[step.output].shape.dims)
        state.recomputed[step.output] = b
        let act = step.act.map { Activation(graph.nodes[$0].op)! }
        let what = "add\(act.map { _ in " + " + graph.nodes[step.output].op.kind } ?? "") of \(terms.count) batchnorms again, "
            + "from their inputs and saved statistics \(shapes(sum))"
        kernels.append(kernel(sum.id, "recompute", what, args: args + [("z", b, true)],
                              body: BatchNormKernels.sumRecompute(sum.shape, terms: terms.map { $0.act.map { Activation(graph.nodes[$0].op)! } },
                                                                  act: act),
                              flops: (3 * terms.count) * sum.shape.count))
        return b
    }

    /// Edges into `node` whose reader passes a gradient back.
    private func contributions(_ node: Int) -> Int {
        facts.consumers[node].filter { flow.needsGradient($0) }.count
    }

    /// Where one edge's gradient contribution to `node` goes, and whether it accumulates.
    private func target(_ node: Int, _ grads: inout [Int?]) -> (buffer: Int, accumulate: Bool) {
        if let b = grads[node] { return (b, true) }
        let b = scratch("grad." + graph.nodes[node].name, graph.nodes[node].shape.dims)
        grads[node] = b
        return (b, false)
    }

    private func backward(_ step: Step, dy: Int, grads: inout [Int?], state: inout BackwardState) throws -> [Int] {
        let node = graph.nodes[step.main]
        let act = step.act.map { Activation(graph.nodes[$0].op)! }
        let needs = node.inputs.map { flow.needsGradient($0) }
        func unsupported(_ why: String) -> CodegenError {
            CodegenError("cannot differentiate '\(node.name)' (\(node.op.kind)) on the way to '\(graph.nodes[flow.loss].name)': \(why)")
        }
        guard step.bn == nil else { throw unsupported("an eval-mode BatchNorm fused into it") }

        switch node.op {
        case .conv2d, .convTranspose2d:
            guard act == nil else { throw unsupported("an activation fused into a frozen convolution") }
            let conv = ConvNode(node, graph, winograd: winograd, dotWeightGradients: dotWeightGradients)!
            // The weight gradient first: the input it reads (perhaps recomputed) is then freed
            // before the data gradient's output is taken.
            var kernels: [Int] = []
            if let dw = gradientBuffers[node.params[0]] {
                let db = conv.bias ? [("db", gradientBuffers[node.params[1]]!, true)] : []
                let x = savedValue(node.inputs[0], &state, &kernels)
                kernels.append(kernel(node.id, "bwd_weight", "d weight of \(node.op.kind) \(conv.description(of: .backwardWeight)) \(shapes(node))",
                                      args: [("dy", dy, false), ("x", x, false)]
                                        + columns(conv, .backwardWeight, of: node) + [("dw", dw, true)] + db,
                                      body: conv.backwardWeight(), flops: conv.flops))
            }
            if needs[0] {
                let t = target(node.inputs[0], &grads)
                let channels = conv.limitsDataGradient(to: flow.readChannels[node.inputs[0]])
                let part = channels.map { " (channels \($0.lowerBound)..<\($0.upperBound) of dx: the others have no reader)" } ?? ""
                let ci = graph.nodes[node.inputs[0]].shape.c
                kernels.append(kernel(node.id, "bwd_data", "d input of \(node.op.kind) \(conv.description)\(part) \(shapes(node))",
                                      args: [("dy", dy, false), ("w", parameter(node.params[0]), false)]
                                        + columns(conv, .backwardData, of: node) + [("dx", t.buffer, true)],
                                      body: conv.backwardData(accumulate: t.accumulate, channels: channels),
                                      flops: conv.flops / ci * (channels?.count ?? ci)))
            }
            return kernels

        case .batchNorm:
            guard let stats = savedStatistics[node.id] else { throw unsupported("BatchNorm with running statistics") }
            guard let dw = gradientBuffers[node.params[0]], let db = gradientBuffers[node.params[1]] else {
                throw unsupported("BatchNorm parameters without gradients")
            }
            // The input's first gradient replaces dy where nothing else still reads dy's buffer:
            // one activation-sized buffer fewer across the backward.
            let inPlace = needs[0] && grads[node.inputs[0]] == nil && owns(dy, step, grads, state)
            var args = [("dy", dy, inPlace), ("x", value(node.inputs[0]), false), ("w", parameter(node.params[0]), false),
                        ("b", parameter(node.params[1]), false), ("save_mean", stats.mean, false),
                        ("save_invstd", stats.invstd, false), ("dw", dw, true), ("db", db, true),
                        ("part", scratch("bn_part.bwd." + node.name, [BatchNormKernels.partials(node.shape)], isDouble: true), true)]
            var accumulate = false
            if inPlace {
                grads[node.inputs[0]] = dy
            } else if needs[0] {
                let t = target(node.inputs[0], &grads)
                args.append(("dx", t.buffer, true))
                accumulate = t.accumulate
            }
            let what = "d batchnorm (batch statistics)\(act.map { _ in " + " + graph.nodes[step.output].op.kind } ?? "")"
                + "\(inPlace ? " (in place)" : "") \(shapes(node))"
            return [kernel(node.id, "bwd", what, args: args,
                           body: BatchNormKernels.backward(node.shape, act: act, dx: needs[0] ? (inPlace ? "dy" : "dx") : nil,
                                                           accumulate: accumulate),
                           flops: 10 * node.shape.count)]

        case .activation:
            guard needs[0] else { return [] }
            let t = target(node.inputs[0], &grads)
            return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))",
                           args: [("dy", dy, false), ("z", value(node.id), false), ("dx", t.buffer, true)],
                           body: ElementwiseKernels.activationBackward(node.shape.count, Activation(node.op)!, accumulate: t.accumulate),
                           flops: node.shape.count)]

        case .add:
            return addBackward(node, step: step, act: act, dy: dy, grads: &grads, state: &state)

        case .concat:
            var offset = 0
            var kernels: [Int] = []
            for (k, input) in node.inputs.enumerated() {
                let c = graph.nodes[input].shape.c
                if needs[k] {
                    let t = target(input, &grads)
                    kernels.append(kernel(node.id, "bwd\(k)", "d concat input \(k) (channels \(offset)..<\(offset + c)) \(shapes(node))",
                                          args: [("dy", dy, false), ("dx", t.buffer, true)],
                                          body: ElementwiseKernels.concatBackward(node.shape, offset: offset, channels: c, accumulate: t.accumulate),
                                          flops: 0))
                }
                offset += c
            }
            return kernels

        case .maxPool2d(let a):
            guard needs[0] else { return [] }
            let t = target(node.inputs[0], &grads)
            let xs = graph.nodes[node.inputs[0]].shape
            return [kernel(node.id, "bwd", "d maxpool \(shapes(node))",
                           args: [("x", value(node.inputs[0]), false), ("dy", dy, false), ("dx", t.buffer, true)],
                           body: ElementwiseKernels.maxPoolBackward(a, xs, node.shape, accumulate: t.accumulate),
                           flops: node.shape.count * a.kernel[0] * a.kernel[1])]

        case .cosineDistance(let eps), .cosineDistanceFlat(let eps):
            guard node.inputs[0] != node.inputs[1] else { throw unsupported("it compares a tensor with itself") }
            var args = [("a", value(node.inputs[0]), false), ("b", value(node.inputs[1]), false), ("dy", dy, false)]
            var targets: [(String, Bool)] = []
            for (k, side) in ["a", "b"].enumerated() where needs[k] {
                let t = target(node.inputs[k], &grads)
                args.append(("d" + side, t.buffer, true))
                targets.append((side, t.accumulate))
            }
            let xs = graph.nodes[node.inputs[0]].shape
            let flat = node.op == .cosineDistanceFlat(eps: eps)
            let body = flat ? CosineKernels.flatBackward(xs, eps: eps, targets: targets)
                            : CosineKernels.pixelBackward(xs, eps: eps, targets: targets)
            return [kernel(node.id, "bwd", "d \(node.op.kind) \(shapes(node))", args: args, body: body,
                           flops: (6 + 4 * targets.count) * xs.count)]

        case .mean:
            let t = target(node.inputs[0], &grads)
            let n = graph.nodes[node.inputs[0]].shape.count
            return [kernel(node.id, "bwd", "d mean \(shapes(node))", args: [("dy", dy, false), ("dx", t.buffer, true)],
                           body: HeadKernels.meanBackward(n, accumulate: t.accumulate), flops: n)]

        case .upsampleBilinear, .gaussianBlur, .maxPerSample, .input:
            throw unsupported("rdc has no derivative for this op")
        }
    }

    /// Whether `step` may overwrite its incoming gradient buffer `dy`: no other gradient still
    /// to be read shares it.
    private func owns(_ dy: Int, _ step: Step, _ grads: [Int?], _ state: BackwardState) -> Bool {
        grads.indices.allSatisfy { grads[$0] != dy || $0 == step.output || state.differentiated.contains($0) }
    }

    /// A sum passes its (activation-masked) gradient to every input. An input with no other
    /// reader shares a gradient buffer instead of getting a copy: the incoming one when no
    /// activation was fused, else the masked one, which is then materialized once: in place
    /// of the incoming one where no gradient still to be read shares that buffer. An input
    /// added to itself gets one store of the multiplied gradient.
    private func addBackward(_ node: Node, step: Step, act: Activation?, dy: Int, grads: inout [Int?],
                             state: inout BackwardState) -> [Int] {
        let inPlace = act != nil && owns(dy, step, grads, state)
        var shared: Int? = act == nil || inPlace ? dy : nil
        var stores: [(buffer: Int, accumulate: Bool, times: Int)] = []
        for input in node.inputs where flow.needsGradient(input) {
            if contributions(input) == 1 {
                if shared == nil {
                    shared = scratch("grad." + node.name, node.shape.dims)
                    stores.append((shared!, false, 1))
                }
                grads[input] = shared
            } else if let i = stores.firstIndex(where: { $0.buffer == grads[input] }) {
                stores[i].times += 1
            } else {
                let t = target(input, &grads)
                stores.append((t.buffer, t.accumulate, 1))
            }
        }
        // Some input took the incoming buffer: with an activation, it is masked where it is.
        let masksInPlace = inPlace && node.inputs.contains { flow.needsGradient($0) && contributions($0) == 1 }
        guard !stores.isEmpty || masksInPlace else { return [] }
        var kernels: [Int] = []
        let z = act != nil ? [("z", savedValue(step.output, &state, &kernels), false)] : []
        let args = [("dy", dy, masksInPlace)] + z
            + stores.enumerated().map { ("t\($0.offset)", $0.element.buffer, true) }
        let what = "d add\(act.map { _ in " + " + graph.nodes[step.output].op.kind } ?? "")\(masksInPlace ? " (in place)" : "") \(shapes(node))"
        return kernels + [kernel(node.id, "bwd", what, args: args,
                                 body: ElementwiseKernels.addBackward(node.shape.count, act: act, inPlace: masksInPlace,
                                                                      targets: stores.map { ($0.accumulate, $0.times) }),
                                 flops: node.shape.count * (stores.count + (masksInPlace ? 1 : 0)))]
    }
}
