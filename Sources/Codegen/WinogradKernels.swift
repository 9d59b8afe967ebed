/// 3x3 stride-1 convolutions by Winograd's F(4x4, 3x3) (templates/rdc_winograd.c): 36
/// products per 4x4 output tile and channel pair instead of 144, for the forward, the data
/// gradient (the forward of dy with the flipped filter) and the weight gradient. The compiler
/// takes this path where it wins; a pass's `col` scratch holds the transformed filter, and
/// the blocks of transformed tiles of each thread (forward, data gradient), or the filter
/// gradient's transform, the transformed tiles of one image group and the GEMM packing.
enum WinogradKernels {
    /// Dense 3x3 stride-1 convolutions with at most 2 rows or columns of padding on each side
    /// (the data gradient's flipped convolution then pads 2 - p).
    static func fits(_ g: ConvGeometry) -> Bool {
        let pb = g.oh - g.h + 2 - g.pt, pr = g.ow - g.w + 2 - g.pl
        return g.groups == 1 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1
            && [g.pt, g.pl, pb, pr].allSatisfy { (0...2).contains($0) }
    }

    /// Where it is faster than the implicit GEMM (measured on RD4AD's layers): enough channels
    /// on both sides that the 36 products are real matrix products (below 16 the transforms,
    /// which cost per channel rather than per channel pair, outweigh what they save), and
    /// enough tiles, two panels of 32 at least, to pay for transforming the filter (36 values
    /// per channel pair, every call) and to give both threads of a fused pass work. RD4AD-
    /// ResNet18's 512-channel 4x4 layers at 128x128 (16 tiles) and the 8x8 ones at batch 1
    /// (4 tiles) fail the second: there Winograd took 3x the implicit GEMM's time.
    static func wins(_ g: ConvGeometry) -> Bool {
        g.ci >= 16 && g.co >= 16 && tiles(g) >= 64
    }

    /// The batch's 4x4 output tiles.
    static func tiles(_ g: ConvGeometry) -> Int { g.n * ((g.oh + 3) / 4) * ((g.ow + 3) / 4) }

    /// The weight gradient is Winograd's only from 48 channels on both sides: its 36 products
    /// are K x C, and narrower ones left the transforms and the products' partial panels
    /// costing more than the implicit GEMM. RD4AD-Lite0's 24-channel decoder layers: 7.0-10.0
    /// ms against 6.3-8.0 (64x64); its 40-channel ones, since the transforms went by blocks of
    /// tiles: 2.7 against 4.0 (32x32); ResNet18's 64-channel ones 11 against 35. Below 48 the
    /// dot products take them (DotWeightGradient): at 40 channels as fast as Winograd and
    /// steadier (2.65-2.81 ms over 5 rounds against 2.56-3.05).
    static func winsWeightGradient(_ g: ConvGeometry) -> Bool {
        min(g.ci, g.co) >= 48
    }

    /// A weight gradient with few tiles in the whole batch and many channel pairs goes through
    /// rdc_wino_conv_weight_grad_few, which never stores dU (36 x K x C: 38 MB at 512
    /// channels): RD4AD-ResNet18's 512-channel 8x8 layers (64 tiles) took 11.2 ms against
    /// 13.6. RD4AD-Lite0's 224-channel 8x8 ones (dU 7.2 MB) kept their best times (2.6-2.8
    /// ms) and lost the slow ones: over 5 interleaved rounds 2.7-3.7 ms against 2.5-4.7, the
    /// medians 3.2-3.4 against 3.7-4.4. At 128 channels (dU 2.4 MB, in cache anyway) it gained
    /// nothing, and at 256 tiles it lost (11.6 -> 13.9 ms): each thread's 36 packed panels
    /// outgrow L2.
    static func fewTiles(_ g: ConvGeometry) -> Bool {
        tiles(g) <= 128 && g.ci * g.co >= 192 * 192
    }

    /// Threads rdc_wino_conv_weight_grad_few may use: each packs 36 panels of the batch's tiles.
    static func fewThreads(_ g: ConvGeometry) -> Int {
        max(2, min(16, blockBudget / fewElements(g)))
    }

    /// Elements of one thread's 36 packed panels and dU tile in rdc_wino_conv_weight_grad_few.
    static func fewElements(_ g: ConvGeometry) -> Int { 36 * (tiles(g) * 32 + 8 * 32) }

    /// The weight gradient's images taken together, and the tiles of each.
    static func group(_ g: ConvGeometry) -> (group: ImageGroup, th: Int, tw: Int) {
        let (th, tw) = ((g.oh + 3) / 4, (g.ow + 3) / 4)
        return (ImageGroup(images: g.n, pixels: th * tw, target: ImageGroup.winogradColumns), th, tw)
    }

    static let padElements = TemplateConstants.winogradPad

    /// Threads rdc_wino_conv may use: each needs its own block (36 panels of 32 tiles, for the
    /// input and the output channels), and all the blocks together at most `blockBudget`
    /// elements (16 MB of floats), so that a deep layer's blocks do not swell the arena. Cores
    /// past that sit this kernel out.
    static func threads(_ g: ConvGeometry) -> Int {
        max(2, min(16, blockBudget / blockElements(g)))
    }

    static let blockBudget = 4 << 20

    static func blockElements(_ g: ConvGeometry) -> Int { 36 * ((g.ci + g.co) * 32 + 2 * padElements) }

    /// Elements of a pass's scratch, laid out as rdc_wino_conv (forward, data gradient; plus the
    /// forward's epilogue coefficients) or rdc_wino_conv_weight_grad take it.
    static func columns(_ g: ConvGeometry, _ pass: ConvNode.Pass) -> Int {
        switch pass {
        case .forward, .backwardData:
            return 36 * (g.ci * g.co + padElements) + threads(g) * blockElements(g) + (pass == .forward ? 2 * g.co : 0)
        case .backwardWeight where fewTiles(g):
            return 36 * ((g.ci + g.co) * tiles(g) + 2 * padElements) + fewThreads(g) * fewElements(g)
        case .backwardWeight:
            let (group, th, tw) = group(g)
            return 36 * (g.ci * g.co + (g.ci + g.co) * group.images * th * tw + 3 * padElements) + DenseConvKernels.packElements
        }
    }

    static func constants(_ g: ConvGeometry, images: Int? = nil, threads: Int? = nil) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("PT", g.pt), ("PL", g.pl), ("THREADS", threads ?? self.threads(g))] + (images.map { [("G", $0)] } ?? []))
    }

    /// y = epilogue(conv(x, w)); args x, w, epilogue args, col, y.
    static func forward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        let ep = e.gemm(coefficients: "col + \(columns(g, .forward) - 2 * g.co)")
        return constants(g) + ep.setup
            + "    rdc_wino_conv(x, w, 0, N, CI, H, W, CO, OH, OW, PT, PL, y, 0, \(ep.argument), THREADS, col);\n"
    }

    /// dx (=|+=) the convolution of dy with the flipped filter, padding 2 - p; args dy, w, col, dx.
    static func backwardData(_ g: ConvGeometry, accumulate: Bool) -> String {
        constants(g) + "    rdc_wino_conv(dy, w, 1, N, CO, OH, OW, CI, H, W, 2 - PT, 2 - PL, dx, \(accumulate ? 1 : 0), NULL, THREADS, col);\n"
    }

    /// dw = G^T (sum over tiles of (A dy A^T) (.) (B^T x B)) G, db = sum of dy; args dy, x, col, dw[, db].
    static func backwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        (fewTiles(g)
            ? constants(g, threads: fewThreads(g)) + "    rdc_wino_conv_weight_grad_few(dy, x, N, CI, H, W, CO, OH, OW, PT, PL, dw, THREADS, col);\n"
            : constants(g, images: group(g).group.images) + "    rdc_wino_conv_weight_grad(dy, x, N, G, CI, H, W, CO, OH, OW, PT, PL, dw, col);\n")
            + (bias ? DenseConvKernels.biasGradient(plane: "OH * OW") : "")
    }
}
