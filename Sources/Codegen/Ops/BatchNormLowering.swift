import DSL

/// BatchNorm: in training, with batch statistics (saved for the backward, running ones
/// updated); frozen or in eval mode, with the running statistics. Its backward, with the
/// activation fused after it, may write the input's gradient over the incoming one.
extension ProgramBuilder {
    func batchNormForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        guard case .batchNorm(let a) = node.op else { throw CodegenError("internal: '\(node.name)' is not a BatchNorm") }
        let p = node.params.map { parameter($0) }
        if facts.trainsBatchNorm(node.id, training: s.training) {
            let mean = scratch("bn_mean." + node.name, [a.channels])
            let invstd = scratch("bn_invstd." + node.name, [a.channels])
            savedStatistics[node.id] = (mean, invstd)
            let args = [("x", s.x[0], false), ("w", p[0], false), ("b", p[1], false), ("running_mean", p[2], true),
                        ("running_var", p[3], true), ("save_mean", mean, true), ("save_invstd", invstd, true),
                        ("part", scratch("bn_part." + node.name, [BatchNormKernels.partials(node.shape)], isDouble: true), true),
                        ("y", s.y, true)]
            return kernel(node.id, s.suffix, "batchnorm (batch statistics) \(shapes(node))\(s.fused)", args: args,
                          body: BatchNormKernels.forwardTrain(node.shape, a, act: s.act), flops: 7 * s.count,
                          formula: KernelFormula.batchNormTraining)
        }
        let args = [("x", s.x[0], false), ("w", p[0], false), ("b", p[1], false), ("running_mean", p[2], false),
                    ("running_var", p[3], false), ("y", s.y, true)]
        return kernel(node.id, s.suffix, "batchnorm (running statistics) \(shapes(node))\(s.fused)", args: args,
                      body: BatchNormKernels.forwardEval(node.shape, a, act: s.act), flops: 2 * s.count)
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
        var args = [("dy", s.dy, inPlace), ("x", value(node.inputs[0]), false), ("w", parameter(node.params[0]), false),
                    ("b", parameter(node.params[1]), false), ("save_mean", stats.mean, false),
                    ("save_invstd", stats.invstd, false), ("dw", dw, true), ("db", db, true),
                    ("part", scratch("bn_part.bwd." + node.name, [BatchNormKernels.partials(node.shape)], isDouble: true), true)]
        var accumulate = false
        if inPlace {
            g.buffers[node.inputs[0]] = s.dy
        } else if s.needs[0] {
            let t = target(node.inputs[0], &g.buffers)
            args.append(("dx", t.buffer, true))
            accumulate = t.accumulate
        }
        let what = "d batchnorm (batch statistics)\(s.act.map { _ in " + " + graph.nodes[s.step.output].op.kind } ?? "")"
            + "\(inPlace ? " (in place)" : "") \(shapes(node))"
        return [kernel(node.id, "bwd", what, args: args,
                       body: BatchNormKernels.backward(node.shape, act: s.act, dx: s.needs[0] ? (inPlace ? "dy" : "dx") : nil,
                                                       accumulate: accumulate),
                       flops: 10 * node.shape.count)]
    }
}
