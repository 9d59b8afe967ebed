/// 3x3 stride-1 convolutions by Winograd's F(4x4, 3x3) (templates/rdc_winograd.c): 36
/// products per 4x4 output tile and channel pair instead of 144, for the forward, the data
/// gradient (the forward of dy with the flipped filter) and the weight gradient. The compiler
/// takes this path where it wins; a pass's `col` scratch holds the transformed filter (or its
/// gradient), the transformed input and output tiles of one image group, and the GEMM packing.
enum WinogradKernels {
    /// Dense 3x3 stride-1 convolutions with at most 2 rows or columns of padding on each side
    /// (the data gradient's flipped convolution then pads 2 - p), and enough channels on both
    /// sides that the 36 products are real matrix products: below 16 the transforms, which
    /// cost per channel rather than per channel pair, outweigh what they save.
    static func applies(_ g: ConvGeometry) -> Bool {
        let pb = g.oh - g.h + 2 - g.pt, pr = g.ow - g.w + 2 - g.pl
        return g.groups == 1 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1
            && [g.pt, g.pl, pb, pr].allSatisfy { (0...2).contains($0) } && g.ci >= 16 && g.co >= 16
    }

    /// The images taken together, and the tiles of each, for a pass producing `h` x `w` maps.
    static func group(_ g: ConvGeometry, h: Int, w: Int) -> (group: ImageGroup, th: Int, tw: Int) {
        let (th, tw) = ((h + 3) / 4, (w + 3) / 4)
        return (ImageGroup(images: g.n, pixels: th * tw, target: ImageGroup.winogradColumns), th, tw)
    }

    /// Elements of a pass's scratch: RDC_WINO_SCRATCH, plus the forward's epilogue coefficients.
    static func columns(_ g: ConvGeometry, _ pass: ConvNode.Pass) -> Int {
        let (group, th, tw) = pass == .backwardData ? self.group(g, h: g.h, w: g.w) : self.group(g, h: g.oh, w: g.ow)
        return 36 * (g.ci * g.co + (g.ci + g.co) * group.images * th * tw) + DenseConvKernels.packElements
            + (pass == .forward ? 2 * g.co : 0)
    }

    static func constants(_ g: ConvGeometry, images: Int) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("PT", g.pt), ("PL", g.pl), ("G", images)])
    }

    /// y = epilogue(conv(x, w)); args x, w, epilogue args, col, y.
    static func forward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        let (group, _, _) = self.group(g, h: g.oh, w: g.ow)
        let ep = e.gemm(coefficients: "col + \(columns(g, .forward) - 2 * g.co)")
        return constants(g, images: group.images) + ep.setup
            + "    rdc_wino_conv(x, w, 0, N, G, CI, H, W, CO, OH, OW, PT, PL, y, 0, \(ep.argument), col);\n"
    }

    /// dx (=|+=) the convolution of dy with the flipped filter, padding 2 - p; args dy, w, col, dx.
    static func backwardData(_ g: ConvGeometry, accumulate: Bool) -> String {
        let (group, _, _) = self.group(g, h: g.h, w: g.w)
        return constants(g, images: group.images)
            + "    rdc_wino_conv(dy, w, 1, N, G, CO, OH, OW, CI, H, W, 2 - PT, 2 - PL, dx, \(accumulate ? 1 : 0), NULL, col);\n"
    }

    /// dw = G^T (sum over tiles of (A dy A^T) (.) (B^T x B)) G, db = sum of dy; args dy, x, col, dw[, db].
    static func backwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        let (group, _, _) = self.group(g, h: g.oh, w: g.ow)
        return constants(g, images: group.images)
            + "    rdc_wino_conv_weight_grad(dy, x, N, G, CI, H, W, CO, OH, OW, PT, PL, dw, col);\n"
            + (bias ? DenseConvKernels.biasGradient(plane: "OH * OW") : "")
    }
}
