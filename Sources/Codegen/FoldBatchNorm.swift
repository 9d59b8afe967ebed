import DSL

extension ProgramBuilder {
    /// Pass: fold a frozen eval-mode BatchNorm into the frozen (transposed) convolution
    /// before it. The teacher never trains, so its BatchNorm is an affine map per output
    /// channel and can be baked into the convolution's weights and a bias: the forward then
    /// runs one conv with a bias epilogue instead of conv + normalization. The folded
    /// weights live in the state, computed by a fold kernel from the loaded parameters; it
    /// runs before the first forward and again whenever the host asks for a pointer to any
    /// of the parameters it reads (they might have changed).
    func foldBatchNorm(conv: Node, bn: Node, attrs: BatchNormAttrs) -> (weight: Int, bias: Int) {
        let c = ConvNode(conv, graph)!
        let w = loaded(conv.params[0])
        let fw = addBuffer(Buffer(name: "fold.\(conv.name).weight", shape: program.buffers[w].shape, placement: .state, isDouble: wide != nil))
        let fb = addBuffer(Buffer(name: "fold.\(conv.name).bias", shape: [attrs.channels], placement: .state, isDouble: wide != nil))
        let sources = conv.params + bn.params
        for name in sources { program.buffers[loaded(name)].foldInput = true }
        let layout = c.weightByOutputChannel
        let code = BatchNormKernels.fold(outer: layout.outer, outChannels: layout.channels, inner: layout.inner, eps: attrs.eps,
                                         w: w, convBias: c.bias ? loaded(conv.params[1]) : nil,
                                         bn: BatchNormParameters(bn.params.map { loaded($0) }), fw: fw, fb: fb)
        let k = kernel(conv.id, "fold", "fold \(bn.name) (eval batchnorm) into \(conv.op.kind) weights and a bias",
                       code: code, flops: 2 * program.buffers[w].count)
        program.phases.fold.append(k)
        return (fw, fb)
    }
}
