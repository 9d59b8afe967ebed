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
/// vectorize; the depthwise forward pads and splits its input rows instead (see
/// `depthwiseForward`). Each thread owns whole output planes: no atomics, and the summation
/// order is fixed, so results do not depend on the thread count.
enum ConvKernels {
    /// The rows oh (and columns ow) whose input row oh*SH-PT+kh lies inside the image.
    static let tapRange = """
                            const int oh0 = rdc_first(PT - kh, SH), oh1 = rdc_end(H - 1 + PT - kh, SH, OH);
                            const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);

    """

    /// y = epilogue(conv(x, w)); args x, w, epilogue args, y.
    static func forward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        g.groups == g.ci && g.co == g.ci ? depthwiseForward(g, e) : groupedForward(g, e)
    }

    /// Row by row: every tap adds into one output row while it sits in L1 (vectorized over
    /// its width), each element summing its taps in the order c, kh, kw.
    private static func groupedForward(_ g: ConvGeometry, _ e: Epilogue) -> String {
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

    /// A depthwise convolution (groups == CI == CO), one plane per thread iteration. The
    /// clipped loops above run a few dozen columns per tap on small planes, with strided
    /// loads at stride 2; here the input rows are copied once into a ring of RING rows,
    /// zeros in the padding, each split into SW phases (phase p holds columns p, p + SW, ...),
    /// so every tap of an output block is one unaligned vector load and FMA, whatever the
    /// padding or stride. A tile of R output rows x CB columns is held in registers (four
    /// rdc_vec accumulators, templates/rdc_gemm.c, to cover the FMA latency), and each input
    /// vector loaded serves every row of the tile whose window holds it. Each element sums
    /// its taps from zero in the order kh, kw, the padding's adding exact zeros, so the
    /// results equal the clipped loops' bit for bit. The epilogue is applied to the registers
    /// (Epilogue.vector): as a loop over `tile` the compiler left it scalar in some contexts,
    /// branching on every value's clamps.
    private static func depthwiseForward(_ g: ConvGeometry, _ e: Epilogue) -> String {
        g.constants + depthwiseConstants + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int co = 0; co < CO; co++) {
                    const real *xp = x + ((long)n * CI + co) * H * W, *wp = w + (long)co * KH * KW;
                    real *yp = y + ((long)n * CO + co) * OH * OW;
        \(depthwiseRows(e, from: "0", to: "OH", inputRow: "ih", outputRow: "(oh0 + r)", indent: "        "))        }

        """
    }

    /// The tile and ring sizes of `depthwiseRows` (after the geometry's constants).
    static let depthwiseConstants = """
            enum { NV = OW <= RDC_VW ? 1 : 2, CB = NV * RDC_VW, R = 4 / NV, RING = (R - 1) * SH + KH,
                   OWP = (OW + CB - 1) / CB * CB, WQ = (OWP + (KW - 1) / SW + RDC_VW - 1) / RDC_VW * RDC_VW, RL = SW * WQ };

        """

    /// Output rows [from, to) of the depthwise plane `co` (`from` a multiple of R): input row
    /// ih (inside the image) read at xp + inputRow * W, output row oh at yp + outputRow * OW
    /// (`inputRow`, `outputRow`: C expressions of ih and of oh = oh0 + r), weights at wp.
    static func depthwiseRows(_ e: Epilogue, from: String, to: String, inputRow: String, outputRow: String, indent: String) -> String {
        let text = """
            real ring[RING * RL], tile[R * OWP];
            /* Phase columns [ja, jv) are copied by whole vectors (every phase inside the
             * image there, and at least a vector of them), the others below je one by one. */
            const int ja = rdc_first(PL, SW), jb = rdc_end(W - SW + PL, SW, WQ), jv = jb - ja >= RDC_VW ? jb : ja;
            const int je = rdc_end(W - 1 + PL, SW, WQ);
            int next = \(from == "0" ? "0" : "\(from) * SH");
        \(e.setup(channel: "co", indent: "    "))    for (int oh0 = \(from); oh0 < \(to); oh0 += R) {
                for (; next < (oh0 + R - 1) * SH + KH; next++) {
                    const int ih = next - PT;
                    real *d = ring + next % RING * RL;
                    for (int j = 0; j < RL; j++) d[j] = 0;
                    if (ih < 0 || ih >= H) continue;
                    const real *s = xp + (long)\(inputRow) * W;
                    for (int k = 0; k < ja + je - jv; k++) {
                        const int j = k < ja ? k : jv + k - ja;
                        for (int p = 0; p < SW; p++) {
                            const int c = j * SW + p - PL;
                            if (c >= 0 && c < W) d[p * WQ + j] = s[c];
                        }
                    }
                    for (int j = ja; j < jv; j += RDC_VW) {
                        const int j0 = j + RDC_VW < jv ? j : jv - RDC_VW;
                        rdc_vec in[SW], out[SW];
                        for (int q = 0; q < SW; q++) in[q] = rdc_vload(s + j0 * SW - PL + q * RDC_VW);
                        for (int p = 0; p < SW; p++)
                            for (int i = 0; i < RDC_VW; i++) out[p][i] = in[(i * SW + p) / RDC_VW][(i * SW + p) % RDC_VW];
                        for (int p = 0; p < SW; p++) rdc_vstore(d + p * WQ + j0, out[p]);
                    }
                }
                for (int o = 0; o < OWP; o += CB) {
                    rdc_vec acc[R][NV];
                    for (int r = 0; r < R; r++)
                        for (int v = 0; v < NV; v++) acc[r][v] = (rdc_vec){0};
                    for (int t = 0; t < RING; t++)
                        for (int kw = 0; kw < KW; kw++) {
                            const real *xs = ring + (oh0 * SH + t) % RING * RL + kw % SW * WQ + kw / SW + o;
                            for (int v = 0; v < NV; v++) {
                                const rdc_vec xv = rdc_vload(xs + v * RDC_VW);
                                for (int r = 0; r < R; r++)
                                    if (t - r * SH >= 0 && t - r * SH < KH) acc[r][v] += wp[(t - r * SH) * KW + kw] * xv;
                            }
                        }
                    for (int r = 0; r < R; r++)
                        for (int v = 0; v < NV; v++) rdc_vstore(tile + r * OWP + o + v * RDC_VW, \(e.vector("acc[r][v]")));
                }
                for (int r = 0; r < R && oh0 + r < \(to); r++)
                    for (int j = 0; j < OW; j++) yp[(long)\(outputRow) * OW + j] = tile[r * OWP + j];
            }

        """
        return CText.indented(text, by: indent)
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
