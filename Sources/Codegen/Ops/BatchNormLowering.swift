import DSL

/// BatchNorm: in training, with batch statistics (saved for the backward, running ones
/// updated); frozen or in eval mode, with the running statistics. Its backward, with the
/// activation fused after it, may write the input's gradient over the incoming one.
extension ProgramBuilder {
    func batchNormForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        guard case .batchNorm(let a) = node.op else { throw CodegenError("internal: '\(node.name)' is not a BatchNorm") }
        let p = BatchNormParameters(node.params.map { parameter($0) })
        if facts.trainsBatchNorm(node.id, training: s.training) {
            let mean = scratch("bn_mean." + node.name, [a.channels])
            let invstd = scratch("bn_invstd." + node.name, [a.channels])
            savedStatistics[node.id] = (mean, invstd)
            let part = scratch("bn_part." + node.name, [BatchNormKernels.partials(node.shape)], isDouble: true)
            return kernel(node.id, s.suffix, "batchnorm (batch statistics) \(shapes(node))\(s.fused)",
                          code: BatchNormKernels.forwardTrain(node.shape, a, act: s.act, x: s.x[0], p: p, saveMean: mean,
                                                              saveInvstd: invstd, part: part, y: s.y),
                          flops: 7 * s.count, formula: KernelFormula.batchNormTraining)
        }
        return kernel(node.id, s.suffix, "batchnorm (running statistics) \(shapes(node))\(s.fused)",
                      code: BatchNormKernels.forwardEval(node.shape, a, act: s.act, x: s.x[0], p: p, y: s.y), flops: 2 * s.count)
    }

    func batchNormBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard let stats = savedStatistics[node.id] else { throw s.unsupported("BatchNorm with running statistics") }
        guard let dw = gradientBuffers[node.params[0]], let db = gradientBuffers[node.params[1]] else {
            throw s.unsupported("BatchNorm parameters without gradients")
        }
        // The input's first gradient replaces dy where nothing else still reads dy's buffer:
        // one activation-sized buffer fewer across the backward.
        let inPlace = s.needs[0] && g.buffers[node.inputs[0]] == nil && owns(s.dy, s.step, g)
        let saved = SavedBatchNorm(x: value(node.inputs[0]), w: parameter(node.params[0]), b: parameter(node.params[1]),
                                   saveMean: stats.mean, saveInvstd: stats.invstd)
        let part = scratch("bn_part.bwd." + node.name, [BatchNormKernels.partials(node.shape)], isDouble: true)
        var dx = InputGradient.none
        if inPlace {
            g.buffers[node.inputs[0]] = s.dy
            dx = .inPlace
        } else if s.needs[0] {
            let t = target(node.inputs[0], &g.buffers)
            dx = .buffer(t.buffer, accumulate: t.accumulate)
        }
        let what = "d batchnorm (batch statistics)\(s.act.map { _ in " + " + graph.nodes[s.step.output].op.kind } ?? "")"
            + "\(inPlace ? " (in place)" : "") \(shapes(node))"
        return [kernel(node.id, "bwd", what,
                       code: BatchNormKernels.backward(node.shape, act: s.act, dy: s.dy, saved: saved, dw: dw, db: db, part: part, dx: dx),
                       flops: 10 * node.shape.count)]
    }
}
