import DSL

/// Sizes of one 2-D convolution, baked into its kernels as constants.
struct ConvGeometry {
    var n, ci, h, w, co, oh, ow, kh, kw, sh, sw, pt, pl, groups: Int

    init(_ a: ConvAttrs, input x: Shape, output y: Shape) {
        (n, ci, h, w) = (x.n, x.c, x.h, x.w)
        (co, oh, ow) = (y.c, y.h, y.w)
        (kh, kw, sh, sw) = (a.kernel[0], a.kernel[1], a.stride[0], a.stride[1])
        (pt, pl, groups) = (a.padding.top, a.padding.left, a.groups)
    }

    var constants: String {
        CText.constants([("N", n), ("CI", ci), ("H", h), ("W", w), ("CO", co), ("OH", oh), ("OW", ow),
                         ("KH", kh), ("KW", kw), ("SH", sh), ("SW", sw), ("PT", pt), ("PL", pl),
                         ("CIG", ci / groups), ("COG", co / groups)])
    }

    /// Multiply-adds count two.
    var flops: Int { 2 * n * co * oh * ow * (ci / groups) * kh * kw }

    var description: String {
        let pad = pt == pl ? "\(pt)" : "(\(pt),\(pl))"
        return "\(kh)x\(kw) s\(sh) p\(pad)" + (groups > 1 ? " groups \(groups)" : "")
    }
}

/// Direct convolution kernels, for grouped and depthwise convolutions (dense ones go
/// through DenseConvKernels' GEMMs, where a group's few channels would not pay). Every loop nest walks whole rows of the output (forward,
/// weight gradient) or input (data gradient) with the unit-stride index innermost, and the
/// rows and columns a kernel tap sees are clipped once per tap (`rdc_first`/`rdc_end`)
/// instead of testing the padding per element, so the inner loops are branch-free and
/// vectorize. Each thread owns whole output planes: no atomics, and the summation order
/// is fixed, so results do not depend on the thread count.
enum ConvKernels {
    /// The rows oh (and columns ow) whose input row oh*SH-PT+kh lies inside the image.
    static let tapRange = """
                            const int oh0 = rdc_first(PT - kh, SH), oh1 = rdc_end(H - 1 + PT - kh, SH, OH);
                            const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);

    """

    /// y = epilogue(conv(x, w)); args x, w, epilogue args, y. Row by row: every tap adds
    /// into one output row while it sits in L1 (vectorized over its width), each element
    /// summing its taps in the order c, kh, kw.
    static func forward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        g.constants + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int co = 0; co < CO; co++) {
                    const int grp = co / COG;
                    real *yp = y + ((long)n * CO + co) * OH * OW;
                    for (long i = 0; i < (long)OH * OW; i++) yp[i] = 0;
                    for (int oh = 0; oh < OH; oh++) {
                        real *yr = yp + (long)oh * OW;
                        for (int c = 0; c < CIG; c++) {
                            const real *xp = x + ((long)n * CI + grp * CIG + c) * H * W;
                            const real *wp = w + ((long)co * CIG + c) * KH * KW;
                            for (int kh = 0; kh < KH; kh++) {
                                const int ih = oh * SH - PT + kh;
                                if (ih < 0 || ih >= H) continue;
                                for (int kw = 0; kw < KW; kw++) {
                                    const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);
                                    const real wv = wp[kh * KW + kw], *xr = xp + (long)ih * W + kw - PL;
                                    for (int ow = ow0; ow < ow1; ow++) yr[ow] += wv * xr[ow * SW];
                                }
                            }
                        }
                    }
        \(e.code(plane: "yp", count: "(long)OH * OW", channel: "co", indent: "            "))        }

        """
    }

    /// dx (=|+=) conv_transpose(dy, w): each thread owns input planes and gathers from every
    /// output plane of its group; args dy, w, dx.
    static func backwardData(_ g: ConvGeometry, accumulate: Bool) -> String {
        g.constants + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int ci = 0; ci < CI; ci++) {
                    const int grp = ci / CIG, c = ci % CIG;
                    real *xp = dx + ((long)n * CI + ci) * H * W;
        \(accumulate ? "" : "            for (long i = 0; i < (long)H * W; i++) xp[i] = 0;\n")            for (int o = 0; o < COG; o++) {
                        const int co = grp * COG + o;
                        const real *yp = dy + ((long)n * CO + co) * OH * OW;
                        const real *wp = w + ((long)co * CIG + c) * KH * KW;
                        for (int kh = 0; kh < KH; kh++)
                            for (int kw = 0; kw < KW; kw++) {
        \(tapRange)                        const real wv = wp[kh * KW + kw];
                                for (int oh = oh0; oh < oh1; oh++) {
                                    real *xr = xp + (long)(oh * SH - PT + kh) * W + kw - PL;
                                    const real *yr = yp + (long)oh * OW;
                                    for (int ow = ow0; ow < ow1; ow++) xr[ow * SW] += wv * yr[ow];
                                }
                            }
                    }
                }

        """
    }

    /// dw = sum over n, oh, ow of dy * x (and db = sum of dy): each thread owns output
    /// channels; args dy, x, dw[, db].
    static func backwardWeight(_ g: ConvGeometry, bias: Bool) -> String {
        g.constants + """
            #pragma omp parallel for schedule(static)
            for (int co = 0; co < CO; co++) {
                const int grp = co / COG;
                real *wp = dw + (long)co * CIG * KH * KW;
                for (int i = 0; i < CIG * KH * KW; i++) wp[i] = 0;
        \(bias ? "        real bsum = 0;\n" : "")        for (int n = 0; n < N; n++) {
                    const real *yp = dy + ((long)n * CO + co) * OH * OW;
        \(bias ? "            #pragma omp simd reduction(+:bsum)\n            for (long i = 0; i < (long)OH * OW; i++) bsum += yp[i];\n" : "")            for (int c = 0; c < CIG; c++) {
                        const real *xp = x + ((long)n * CI + grp * CIG + c) * H * W;
                        for (int kh = 0; kh < KH; kh++)
                            for (int kw = 0; kw < KW; kw++) {
        \(tapRange)                        real acc = 0;
                                for (int oh = oh0; oh < oh1; oh++) {
                                    const real *xr = xp + (long)(oh * SH - PT + kh) * W + kw - PL;
                                    const real *yr = yp + (long)oh * OW;
                                    #pragma omp simd reduction(+:acc)
                                    for (int ow = ow0; ow < ow1; ow++) acc += yr[ow] * xr[ow * SW];
                                }
                                wp[(c * KH + kh) * KW + kw] += acc;
                            }
                    }
                }
        \(bias ? "        db[co] = bsum;\n" : "")    }

        """
    }
}
