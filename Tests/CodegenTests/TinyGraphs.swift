import DSL

/// Small graphs that exercise every op kind the compiler differentiates, built directly
/// on the DSL (not through RD4AD, whose sizes are fixed to multiples of 32).
enum TinyGraphs {
    static func apply(_ layer: any Layer, _ x: TensorRef, _ g: GraphContext) throws -> TensorRef {
        try layer.build([x], in: g)[0]
    }

    /// input -> frozen teacher -> `t1`; trainable part (`bn.*`) -> two tensors (p, q);
    /// loss_flat = mean(1 - cos_flat(p, q)) + mean(1 - cos_pixel(p, q)).
    static func graph(_ name: String, input: Shape,
                      teacher: (TensorRef, GraphContext) throws -> TensorRef,
                      student: (TensorRef, GraphContext) throws -> (TensorRef, TensorRef)) throws -> Graph {
        let g = GraphContext()
        let x = g.inRole(.input) { g.input(input, suffix: "input") }
        try g.name(x, as: "input")
        let t = try g.inRole(.teacher) { try teacher(x, g) }
        try g.name(t, as: "t1")
        let (p, q) = try g.inRole(.ocbe) { try g.scoped("bn") { try student(t, g) } }
        try g.name(q, as: "s1")
        try g.inRole(.head) {
            let n = p.shape.n
            let flat = try g.node(.cosineDistanceFlat(eps: 1e-8), [p, q], suffix: "cos_flat")
            let pixel = try g.node(.cosineDistance(eps: 1e-8), [p, q], suffix: "cos_pixel")
            let lf = try g.node(.mean, [flat], suffix: "mean_flat")
            let lp = try g.node(.mean, [pixel], suffix: "mean_pixel")
            try g.name(g.node(.add, [lf, lp], suffix: "loss"), as: "loss_flat")
        }
        return g.graph(name: name)
    }

    /// ReLU family: strided conv with asymmetric "SAME" padding and a bias, BatchNorm+ReLU,
    /// depthwise conv, standalone ReLU6, residual add+ReLU whose input has two readers,
    /// max pooling, 2x2 transposed convs (one with bias), standalone BatchNorm, concat,
    /// 1x1 conv; the loss compares the frozen teacher feature with the student's.
    static func residual(batch: Int = 2) throws -> Graph {
        try graph("tiny_residual", input: Shape(batch, 3, 8, 6), teacher: { x, g in
            var t = try apply(Conv("conv1", 4, 3), x, g)
            t = try apply(BatchNorm("bn1"), t, g)
            t = try apply(ReLU(), t, g)
            return try apply(MaxPool("maxpool", 3, stride: 1, padding: 1), t, g)
        }, student: { t, g in
            let a = try apply(Conv("c1", 6, 3, stride: 2, padding: .tfSame, bias: true), t, g)  // pads (0,0,1,1)
            let b = try apply(ReLU(), try apply(BatchNorm("b1"), a, g), g)
            let c = try apply(Conv("dw", 6, 3, groups: .depthwise), b, g)
            let d = try apply(ReLU6(), c, g)
            let e = try apply(ReLU(), g.node(.add, [d, b], suffix: "add"), g)
            let f = try apply(MaxPool("pool", 3, stride: 1, padding: 1), e, g)
            let h = try apply(BatchNorm("b2"), try apply(ConvTranspose("up", 4, bias: true), f, g), g)
            let u = try apply(ConvTranspose("up2", 2), f, g)
            let cat = try g.node(.concat, [h, u], suffix: "cat")
            return (t, try apply(Conv("proj", 4, 1), cat, g))
        })
    }

    /// ReLU6 family: 5x5 stride-2 conv with padding (1,2), BatchNorm+ReLU6, grouped conv
    /// with bias, standalone ReLU, overlapping 3x3 stride-2 transposed convs, a three-way
    /// add that reads one input twice; the loss compares two trainable tensors (one also
    /// read by the add), so both sides of the cosines get gradients.
    static func twoSided() throws -> Graph {
        try graph("tiny_two_sided", input: Shape(2, 4, 8, 10), teacher: { x, g in
            var t = try apply(Conv("conv1", 4, 1), x, g)
            t = try apply(BatchNorm("bn1", eps: 1e-3), t, g)
            return try apply(ReLU6(), t, g)
        }, student: { t, g in
            let a = try apply(Conv("c1", 6, 5, stride: 2, padding: .tfSame), t, g)
            let b = try apply(ReLU6(), try apply(BatchNorm("b1", eps: 1e-3), a, g), g)
            let c = try apply(Conv("grouped", 6, 3, groups: .count(2), bias: true), b, g)
            let d = try apply(ReLU(), c, g)
            let p = try apply(ConvTranspose("up", 4, 3, stride: 2), d, g)
            let q = try apply(ConvTranspose("up2", 4, 3, stride: 2, bias: true), b, g)
            return (p, try g.node(.add, [p, q, q], suffix: "sum"))
        })
    }

    /// OCBE-like fusion: the frozen teacher feature concatenated after a trainable one, read by
    /// a 3x3 and a 1x1 stride-2 convolution whose data gradients are summed: only the
    /// trainable channels' (4..<8) are computed. Their BatchNorms' outputs are summed with a
    /// ReLU, as in a residual block with a downsampling shortcut, and a convolution reads the
    /// sum: the backward recomputes it for that convolution's weight gradient and its mask.
    static func concatWithTeacher() throws -> Graph {
        try graph("tiny_concat_teacher", input: Shape(2, 3, 8, 6), teacher: { x, g in
            try apply(ReLU(), try apply(BatchNorm("bn1"), try apply(Conv("conv1", 4, 3), x, g), g), g)
        }, student: { t, g in
            let a = try apply(ReLU(), try apply(BatchNorm("b1"), try apply(Conv("c1", 4, 3), t, g), g), g)
            let cat = try g.node(.concat, [t, a], suffix: "cat")
            let down = try apply(BatchNorm("bd"), try apply(Conv("down", 6, 3, stride: 2), cat, g), g)
            let skip = try apply(BatchNorm("bs"), try apply(Conv("skip", 6, 1, stride: 2), cat, g), g)
            let sum = try apply(ReLU(), g.node(.add, [down, skip], suffix: "add"), g)
            let mix = try apply(Conv("mix", 6, 3), sum, g)
            return (t, try apply(ConvTranspose("up", 4), mix, g))
        })
    }

    /// Stride-2 convolutions with output rows long enough (34) to read their input's phases
    /// (DenseConvKernels.isPhased), 3x3 and 5x5 with paddings 1 and 2, forward and weight
    /// gradient; a 2x2 transposed convolution brings the teacher's size back.
    static func phased() throws -> Graph {
        try graph("tiny_phased", input: Shape(2, 3, 10, 68), teacher: { x, g in
            try apply(ReLU(), try apply(BatchNorm("bn1"), try apply(Conv("conv1", 4, 3), x, g), g), g)
        }, student: { t, g in
            let a = try apply(ReLU(), try apply(BatchNorm("b1"), try apply(Conv("s3", 4, 3, stride: 2), t, g), g), g)
            let b = try apply(Conv("s5", 4, 5, stride: 2, padding: .explicit(2)), t, g)
            let sum = try g.node(.add, [a, b], suffix: "add")
            return (t, try apply(ConvTranspose("up", 4), sum, g))
        })
    }

    /// LeakyReLU everywhere an activation goes: in the frozen teacher's epilogues (a folded
    /// BatchNorm's, a bias's), after a training BatchNorm (forward, backward, recompute), in a
    /// training convolution's epilogue, and after a residual add; slopes differ so a kernel
    /// that took another's would show.
    static func leaky() throws -> Graph {
        try graph("tiny_leaky", input: Shape(2, 3, 10, 37), teacher: { x, g in
            let t = try apply(LeakyReLU(0.2), try apply(BatchNorm("bn1"), try apply(Conv("conv1", 16, 3), x, g), g), g)
            return try apply(LeakyReLU(0.1), try apply(Conv("conv2", 16, 3, bias: true), t, g), g)
        }, student: { t, g in
            let a = try apply(LeakyReLU(0.25), try apply(BatchNorm("b1"), try apply(Conv("c1", 8, 3), t, g), g), g)
            let b = try apply(LeakyReLU(0.3), try apply(Conv("c2", 8, 1, bias: true), a, g), g)
            let sum = try apply(LeakyReLU(0.05), g.node(.add, [b, a], suffix: "add"), g)
            return (t, try apply(Conv("proj", 16, 3), sum, g))
        })
    }

    /// Winograd family (WinogradKernels): 3x3 stride-1 convolutions of 16 channels with
    /// padding 1 (bias; and in the teacher with a folded BatchNorm and ReLU as its epilogue),
    /// 0 and 2, on a 10x37 image (partial 4x4 tiles on both axes); the padding-0 one also
    /// has its data gradient accumulated into the residual's. Rows of 9 and 10 tiles: the
    /// transforms' rows go 8 tiles at a time by shuffles, then the rest (rdc_phases), the
    /// padded ones through a staged copy of the row.
    static func winograd() throws -> Graph {
        try graph("tiny_winograd", input: Shape(2, 3, 10, 37), teacher: { x, g in
            var t = try apply(ReLU(), try apply(BatchNorm("bn1"), try apply(Conv("conv1", 16, 3), x, g), g), g)
            t = try apply(ReLU(), try apply(BatchNorm("bn2"), try apply(Conv("conv2", 16, 3), t, g), g), g)
            return t
        }, student: { t, g in
            let a = try apply(Conv("w1", 16, 3, bias: true), t, g)
            let b = try apply(ReLU(), try apply(BatchNorm("b1"), a, g), g)
            let c = try apply(Conv("w2", 16, 3, padding: .explicit(0)), b, g)      // 10x37 -> 8x35
            let d = try apply(Conv("w3", 16, 3, padding: .explicit(2)), c, g)      // 8x35 -> 10x37
            return (t, try g.node(.add, [d, b], suffix: "add"))
        })
    }

    /// Narrow 3x3 stride-1 convolutions whose weight gradients go by dot products along the
    /// image (DotWeightGradient): 6 -> 11 channels with a bias and padding 1, 11 -> 5 with
    /// padding 0 (40x70 -> 38x68), 5 -> 6 with padding 2; channel counts that leave the
    /// last block of output channels partial, a run (38 rows of 70) that ends inside a vector,
    /// and images of over 2048 pixels, copied and summed one at a time (DotWeightGradient.group).
    static func dotWeightGradient() throws -> Graph {
        try graph("tiny_dot_weight_gradient", input: Shape(2, 3, 40, 70), teacher: { x, g in
            try apply(ReLU(), try apply(Conv("conv1", 6, 3), x, g), g)
        }, student: { t, g in
            let a = try apply(ReLU(), try apply(BatchNorm("b1"), try apply(Conv("w1", 11, 3, bias: true), t, g), g), g)
            let b = try apply(Conv("w2", 5, 3, padding: .explicit(0)), a, g)
            let c = try apply(Conv("w3", 6, 3, padding: .explicit(2)), b, g)
            return (t, try g.node(.add, [c, t], suffix: "add"))
        })
    }

    /// A `channels` -> 512 3x3 convolution over few tiles (2 images of 24x24: 72), whose weight
    /// gradient goes through rdc_wino_conv_weight_grad_few (WinogradKernels.fewTiles), and
    /// whose forward and data gradient, their transformed filters 38 MB in float64 at 256
    /// channels, through rdc_wino_conv_shared. At 304 channels the weight gradient's 19 panels
    /// of input channels (float64) do not split evenly on 2 threads, so their output channels
    /// are cut into slices.
    static func fewTiles(channels: Int = 256) throws -> Graph {
        try graph("tiny_few_tiles", input: Shape(2, 3, 24, 24), teacher: { x, g in
            try apply(Conv("conv1", 8, 3), x, g)
        }, student: { t, g in
            let a = try apply(ReLU(), try apply(BatchNorm("b1"), try apply(Conv("w1", channels, 3), t, g), g), g)
            let b = try apply(ReLU(), try apply(Conv("w2", 512, 3), a, g), g)
            return (t, try apply(Conv("w3", 8, 3), b, g))
        })
    }

    /// A teacher of three 1x1 -> depthwise -> 1x1 chains (DepthwiseChainKernels): expansion to
    /// 320 channels (two chunks, 256 + 64), 3x3 depthwise and projection over 17 bands of 4
    /// rows, each sharing 2 expanded rows with the next; an expansion with a bias and a 5x5
    /// stride-2 "SAME" depthwise (no projection: a max pool reads it) over bands of 12 rows
    /// sharing 3; a depthwise with a projection and no expansion. Odd widths, so the last
    /// column panels are partial.
    static func depthwiseChains(batch: Int) throws -> Graph {
        try graph("tiny_depthwise_chains", input: Shape(batch, 3, 66, 70), teacher: { x, g in
            var t = try apply(ReLU6(), try apply(BatchNorm("e1bn"), try apply(Conv("e1", 320, 1), x, g), g), g)
            t = try apply(ReLU6(), try apply(BatchNorm("d1bn"), try apply(Conv("d1", 320, 3, groups: .depthwise), t, g), g), g)
            t = try apply(BatchNorm("p1bn"), try apply(Conv("p1", 24, 1), t, g), g)
            t = try apply(ReLU(), try apply(Conv("e2", 96, 1, bias: true), t, g), g)
            t = try apply(ReLU6(), try apply(Conv("d2", 96, 5, stride: 2, padding: .tfSame, groups: .depthwise), t, g), g)
            t = try apply(MaxPool("pool", 3, stride: 1, padding: 1), t, g)
            t = try apply(BatchNorm("d3bn"), try apply(Conv("d3", 96, 3, groups: .depthwise), t, g), g)
            return try apply(ReLU(), try apply(Conv("p3", 16, 1), t, g), g)
        }, student: { t, g in
            (t, try apply(Conv("s", 16, 1), t, g))
        })
    }

    /// A chain whose expansion is a stem (3x3 stride 2 "SAME", windows read from the image,
    /// 64-column output rows: whole panels), with 65 output rows (a partial last band).
    static func depthwiseChainStem(batch: Int) throws -> Graph {
        try graph("tiny_depthwise_chain_stem", input: Shape(batch, 3, 130, 128), teacher: { x, g in
            var t = try apply(ReLU6(), try apply(BatchNorm("stembn"), try apply(Conv("stem", 32, 3, stride: 2, padding: .tfSame), x, g), g), g)
            t = try apply(ReLU6(), try apply(BatchNorm("d0bn"), try apply(Conv("d0", 32, 3, groups: .depthwise), t, g), g), g)
            return try apply(BatchNorm("p0bn"), try apply(Conv("p0", 16, 1), t, g), g)
        }, student: { t, g in
            (t, try apply(Conv("s", 16, 1), t, g))
        })
    }
}
