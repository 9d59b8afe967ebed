/// The weight gradient of a narrow 3x3 stride-1 convolution by dot products along the image
/// (templates/rdc_dot.c) instead of the implicit GEMM, whose window packing bounds it when
/// the output channels are few: RD4AD-Lite0's 24-channel 64x64 decoder layers took 4.0 ms
/// against 5.8 (2 threads, one process, the same data); its 40-channel 32x32 ones 2.65-2.81
/// against Winograd's 2.56-3.05 (5 rounds), whose slow rounds (a busy machine's) went to 3.5
/// where these kernels, their copies in L2, held within 7%. Winograd's weight gradient takes
/// the layers of 48 channels and more (WinogradKernels.winsWeightGradient).
enum DotWeightGradient {
    /// The shapes Winograd fits (dense 3x3 stride-1, at most 2 rows or columns of padding on
    /// each side) whose weight gradient Winograd's does not win (fewer than 48 channels on one
    /// side), with rows of 16 pixels or more: shorter ones would spend a larger share of the
    /// products on the 2 padding columns of each row.
    static func fits(_ g: ConvGeometry) -> Bool {
        WinogradKernels.fits(g) && !WinogradKernels.winsWeightGradient(g) && g.ow >= 16
    }

    /// Images copied and summed together: enough for runs of about 4096 pixels, over which
    /// the registers' sums pay for adding up their lanes.
    static func group(_ g: ConvGeometry) -> ImageGroup { ImageGroup(images: g.n, pixels: g.oh * g.ow, target: 4096) }

    /// Values of a plane of each padded copy, in rows of OW + 2: x's OH + 2 rows, then zeros
    /// (a row and 16 values) for the last taps of the run rounded up to whole vectors; dy's OH
    /// rows, rounded up to whole vectors of 16 (the widest, floats with AVX-512).
    static func planes(_ g: ConvGeometry) -> (x: Int, dy: Int) {
        let row = g.ow + 2
        return (((g.oh + 3) * row + 16 + 15) / 16 * 16, (g.oh * row + 15) / 16 * 16)
    }

    /// Threads that get a copy of a group each (more run as this many): no more than groups.
    static func slabs(_ g: ConvGeometry) -> Int { min(16, g.n / group(g).images) }

    /// Elements of the pass's `col` scratch: the threads' copies of a group of x and dy, then
    /// each group's sums.
    static func columns(_ g: ConvGeometry) -> Int {
        let p = planes(g), images = group(g).images
        return slabs(g) * images * (g.ci * p.x + g.co * p.dy) + g.n / images * g.co * g.ci * 9
    }

    /// dw (and db = sum of dy); args dy, x, col, dw[, db].
    static func backwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        let p = planes(g)
        return CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                                ("PT", g.pt), ("PL", g.pl), ("G", group(g).images), ("XPL", p.x), ("DPL", p.dy),
                                ("SLABS", slabs(g))])
            + "    rdc_dot_weight_grad(dy, x, N, G, CI, H, W, CO, OH, OW, PT, PL, XPL, DPL, SLABS, col, dw);\n"
            + (bias ? DenseConvKernels.biasGradient(plane: "OH * OW") : "")
    }
}
