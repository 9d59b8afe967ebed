/// The weight gradient of a narrow 3x3 stride-1 convolution by dot products along the image
/// (templates/rdc_dot.c) instead of the implicit GEMM, whose window packing bounds it when
/// the output channels are few: RD4AD-Lite0's 24-channel 64x64 decoder layers took 4.0 ms
/// against 5.8 (2 threads, one process, the same data); its 40-channel 32x32 ones 2.65-2.81
/// against Winograd's 2.56-3.05 (5 rounds), whose slow rounds (a busy machine's) went to 3.5
/// where these kernels, their copies in L2, held within 7%. Winograd's weight gradient takes
/// the layers of 48 channels and more (WinogradKernels.winsWeightGradient).
enum DotWeightGradient {
    /// Dense 3x3 stride-1 convolutions with fewer than 48 channels on one side and rows of
    /// 16 pixels or more (shorter ones would spend a larger share of the products on the 2
    /// padding columns of each row), at most 2 rows or columns of padding on each side.
    static func fits(_ g: ConvGeometry) -> Bool {
        let pb = g.oh - g.h + 2 - g.pt, pr = g.ow - g.w + 2 - g.pl
        return g.groups == 1 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && min(g.ci, g.co) < 48 && g.ow >= 16
            && [g.pt, g.pl, pb, pr].allSatisfy { (0...2).contains($0) }
    }

    /// Images copied and summed together: enough for runs of about 4096 pixels, over which
    /// the registers' sums pay for adding up their lanes.
    static func group(_ g: ConvGeometry) -> ImageGroup { ImageGroup(images: g.n, pixels: g.oh * g.ow, target: 4096) }

    /// Elements of the pass's `col` scratch: the group's padded copies of x and dy (the
    /// plane sizes of rdc_dot_geometry_of).
    static func columns(_ g: ConvGeometry) -> Int {
        let wq = g.ow + 2
        let xpl = ((g.oh + 3) * wq + 16 + 15) / 16 * 16, dpl = (g.oh * wq + 15) / 16 * 16
        return group(g).images * (g.ci * xpl + g.co * dpl)
    }

    /// dw (and db = sum of dy); args dy, x, col, dw[, db].
    static func backwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        CText.constants([("N", g.n), ("CI", g.ci), ("H", g.h), ("W", g.w), ("CO", g.co), ("OH", g.oh), ("OW", g.ow),
                         ("PT", g.pt), ("PL", g.pl), ("G", group(g).images)])
            + "    rdc_dot_weight_grad(dy, x, N, G, CI, H, W, CO, OH, OW, PT, PL, col, dw);\n"
            + (bias ? DenseConvKernels.biasGradient(plane: "OH * OW") : "")
    }
}
