import DSL

/// The nodes one forward kernel computes: `main`, optionally an eval-mode BatchNorm folded
/// or applied in a convolution's epilogue, and an activation; the kernel writes only the
/// value of `output`, so the intermediates never reach memory.
struct Step {
    var main: Int
    var bn: Int?
    var act: Int?
    var output: Int { act ?? bn ?? main }
    var nodes: [Int] { [main] + [bn, act].compactMap { $0 } }
}

/// Pass: fusion. Groups the nodes of a phase into kernels where it pays and is safe:
///  - conv/convT + eval-mode BatchNorm (+ ReLU/ReLU6): one pass over the output instead of
///    three (at inference: the teacher always, the trainable part in eval mode);
///  - training-mode BatchNorm + activation, residual add + activation: the activation's
///    backward only needs the fused output, so the pre-activation tensor is never stored.
/// A trainable convolution in training mode keeps its own output: its BatchNorm needs the
/// batch statistics of the whole tensor, and the BatchNorm backward needs it.
enum Fusion {
    static func steps(_ nodes: [Int], _ facts: GraphFacts, training: Bool) -> [Step] {
        let g = facts.graph
        var absorbed = Set<Int>()
        var steps: [Step] = []
        func activation(after node: Int) -> Int? {
            guard let c = facts.soleConsumer(node), Activation(c.op) != nil, nodes.contains(c.id) else { return nil }
            return c.id
        }
        for id in nodes where !absorbed.contains(id) {
            var step = Step(main: id)
            switch g.nodes[id].op {
            case .conv2d, .convTranspose2d:
                guard !facts.trainsBatchNorm(id, training: training) else { break }
                if let c = facts.soleConsumer(id), case .batchNorm = c.op, nodes.contains(c.id),
                   !facts.trainsBatchNorm(c.id, training: training) {
                    step.bn = c.id
                    step.act = activation(after: c.id)
                } else {
                    step.act = activation(after: id)
                }
            case .batchNorm, .add:
                step.act = activation(after: id)
            default:
                break
            }
            absorbed.formUnion(step.nodes)
            steps.append(step)
        }
        return steps
    }
}

/// A frozen 1x1 (or windowed, DepthwiseChainKernels.expands) convolution step, the depthwise
/// convolution step that alone reads it, and the 1x1 step that alone reads that; either end
/// may be absent (DepthwiseChainKernels).
struct DepthwiseChain {
    var expand: Step?
    var depthwise: Step
    var project: Step?
    var steps: [Step] { [expand, depthwise, project].compactMap { $0 } }
}

/// What one forward kernel computes: a step, or a chain of them.
enum ForwardUnit {
    case step(Step)
    case chain(DepthwiseChain)
}

extension Fusion {
    /// Pass: chains conv -> depthwise -> 1x1 steps into one unit where every node is frozen
    /// and each value between them private (outside training: a frozen step's values there
    /// may still be needed by the backward of what follows). Adjacent steps only, in order.
    static func units(_ steps: [Step], _ facts: GraphFacts, training: Bool) -> [ForwardUnit] {
        let g = facts.graph
        func frozen(_ s: Step) -> Bool { s.nodes.allSatisfy { !g.nodes[$0].role.isTrainable } }
        func geometry(_ s: Step) -> ConvGeometry? {
            let node = g.nodes[s.main]
            guard case .conv2d(let a) = node.op, frozen(s) else { return nil }
            return ConvGeometry(a, input: g.nodes[node.inputs[0]].shape, output: node.shape)
        }
        func pointwise(_ s: Step) -> Bool { geometry(s).map { $0.groups == 1 && DenseConvKernels.isPointwise($0) } ?? false }
        func depthwise(_ s: Step) -> Bool { geometry(s).map { $0.groups == $0.ci && $0.co == $0.ci && $0.groups > 1 } ?? false }
        func feeds(_ a: Step, _ b: Step) -> Bool { facts.soleConsumer(a.output)?.id == b.main }

        var units: [ForwardUnit] = []
        var i = 0
        while i < steps.count {
            let s = steps[i]
            i += 1
            guard !training, depthwise(s) else { units.append(.step(s)); continue }
            var chain = DepthwiseChain(depthwise: s)
            if case .step(let e)? = units.last, geometry(e).map(DepthwiseChainKernels.expands) ?? false, feeds(e, s) {
                chain.expand = e
                units.removeLast()
            }
            if i < steps.count, pointwise(steps[i]), feeds(s, steps[i]) {
                chain.project = steps[i]
                i += 1
            }
            units += chain.expand == nil && chain.project == nil ? [.step(s)] : [.chain(chain)]
        }
        return units
    }
}
