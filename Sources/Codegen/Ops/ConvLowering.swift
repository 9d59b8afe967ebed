import DSL

/// Convolutions and transposed convolutions (ConvNode picks the kernels: implicit GEMM,
/// Winograd, dot-product weight gradients): forward with its epilogue, then the weight and
/// data gradients.
extension ProgramBuilder {
    func convForward(_ s: ForwardStep) throws -> Int {
        let node = s.node
        let conv = ConvNode(node, graph, winograd: winograd)!
        let o = convOperands(s.step, conv)
        let what = "\(node.op.kind) \(conv.description) \(shapes(node))\(s.fused)\(o.how)"
        return kernel(node.id, s.suffix, what,
                      code: conv.forward(o.epilogue, x: s.x[0], w: o.weight, epilogueInputs: o.inputs,
                                         col: columns(conv, .forward, of: node), y: s.y), flops: o.flops)
    }

    func convBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        let node = s.node
        guard s.act == nil else { throw s.unsupported("an activation fused into a frozen convolution") }
        let conv = ConvNode(node, graph, winograd: winograd, dotWeightGradients: dotWeightGradients)!
        // The weight gradient first: the input it reads (perhaps recomputed) is then freed
        // before the data gradient's output is taken.
        var kernels: [Int] = []
        if let dw = gradientBuffers[node.params[0]] {
            let db = conv.bias ? gradientBuffers[node.params[1]]! : nil
            let x = savedValue(node.inputs[0], &g.state, &kernels)
            kernels.append(kernel(node.id, "bwd_weight", "d weight of \(node.op.kind) \(conv.description(of: .backwardWeight)) \(shapes(node))",
                                  code: conv.backwardWeight(dy: s.dy, x: x, col: columns(conv, .backwardWeight, of: node), dw: dw, db: db),
                                  flops: conv.flops))
        }
        if s.needs[0] {
            let t = target(node.inputs[0], &g.buffers)
            let channels = conv.limitsDataGradient(to: flow.readChannels[node.inputs[0]])
            let part = channels.map { " (channels \($0.lowerBound)..<\($0.upperBound) of dx: the others have no reader)" } ?? ""
            let ci = graph.nodes[node.inputs[0]].shape.c
            kernels.append(kernel(node.id, "bwd_data", "d input of \(node.op.kind) \(conv.description)\(part) \(shapes(node))",
                                  code: conv.backwardData(accumulate: t.accumulate, channels: channels, dy: s.dy,
                                                          w: parameter(node.params[0]), col: columns(conv, .backwardData, of: node),
                                                          dx: t.buffer),
                                  flops: conv.flops / ci * (channels?.count ?? ci)))
        }
        return kernels
    }

    /// A convolution step's weight, the arguments of its epilogue and the epilogue: a frozen
    /// eval-mode BatchNorm folded into the weight and a bias, another applied from its
    /// running statistics; FLOPs of the convolution and the epilogue.
    func convOperands(_ step: Step, _ conv: ConvNode) -> (weight: Int, inputs: EpilogueInputs, epilogue: Epilogue, how: String, flops: Int) {
        let node = graph.nodes[step.main]
        let act = step.act.map { Activation(graph.nodes[$0].op)! }
        let count = graph.nodes[step.output].shape.count
        let flops = conv.flops + count * ((conv.bias ? 1 : 0) + (step.bn != nil ? 2 : 0) + (act != nil ? 1 : 0))
        var epilogue = Epilogue(bias: conv.bias, act: act)
        if let bnNode = step.bn.map({ graph.nodes[$0] }), case .batchNorm(let bn) = bnNode.op,
           !node.role.isTrainable && !bnNode.role.isTrainable {
            let folded = foldBatchNorm(conv: node, bn: bnNode, attrs: bn)
            epilogue.bias = true
            return (folded.weight, EpilogueInputs(bias: folded.bias), epilogue, " (folded)", flops)
        }
        var inputs = EpilogueInputs(bias: conv.bias ? parameter(node.params[1]) : nil)
        if let bnNode = step.bn.map({ graph.nodes[$0] }), case .batchNorm(let bn) = bnNode.op {
            epilogue.batchNormEps = bn.eps
            inputs.batchNorm = BatchNormParameters(bnNode.params.map { parameter($0) })
        }
        return (parameter(node.params[0]), inputs, epilogue, "", flops)
    }

    /// The kernel of a depthwise chain (DepthwiseChainKernels), named after its depthwise
    /// node and profiled under its expansion's family (else its projection's), the
    /// depthwise part apart; nil where no band of it fits the cache (its steps then run apart).
    func chainKernel(_ chain: DepthwiseChain) -> Int? {
        func geometry(_ s: Step?) -> ConvGeometry? {
            guard let s, case .conv(let g) = ConvNode(graph.nodes[s.main], graph)!.geometry else { return nil }
            return g
        }
        guard let plan = DepthwiseChainKernels.plan(expand: geometry(chain.expand), depthwise: geometry(chain.depthwise)!,
                                                    project: geometry(chain.project), precision: wide != nil ? .float64 : program.precision) else { return nil }
        var parts: [String] = []
        var flops = 0, depthwiseFlops = 0
        func part(_ step: Step?) -> DepthwiseChainKernels.Part? {
            guard let step else { return nil }
            let node = graph.nodes[step.main]
            let conv = ConvNode(node, graph)!
            let o = convOperands(step, conv)
            parts.append("\(node.name): \(node.op.kind) \(conv.description) \(shapes(node))\(fusedNames(step))\(o.how)")
            flops += o.flops
            if step.main == chain.depthwise.main { depthwiseFlops = o.flops }
            return DepthwiseChainKernels.Part(weight: o.weight, inputs: o.inputs, epilogue: o.epilogue)
        }
        let (expand, depthwise, project) = (part(chain.expand), part(chain.depthwise)!, part(chain.project))
        let code = DepthwiseChainKernels.forward(plan, x: value(graph.nodes[chain.steps[0].main].inputs[0]), expand: expand,
                                                 depthwise: depthwise, project: project,
                                                 scratch: scratch("chain." + graph.nodes[chain.depthwise.main].name, [plan.scratch]),
                                                 y: value(chain.steps.last!.output))
        let what = "chain, one pass in bands of \(plan.band) output rows:\n * " + parts.joined(separator: "\n * ")
        return kernel(chain.depthwise.main, "fwd_chain", what, code: code,
                      flops: flops, family: KernelFamily.of(graph.nodes[(chain.expand ?? chain.project)!.main].op, suffix: "fwd"),
                      part: Kernel.Part(name: "depthwise", family: "depthwise", flops: depthwiseFlops))
    }
}
