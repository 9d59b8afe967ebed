import DSL

/// Elementwise and data-movement kernels: activations, sums, channel concatenation, max
/// pooling, each with its backward.
enum ElementwiseKernels {
    /// Below this many elements a parallel region costs more than it saves.
    static let parallelThreshold = 1 << 15

    static func parallelFor(_ count: Int) -> String {
        count >= parallelThreshold ? "    #pragma omp parallel for schedule(static)\n" : ""
    }

    /// y = act(x).
    static func activation(_ count: Int, _ act: Activation, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], activationBody(count, act))
    }

    private static func activationBody(_ count: Int, _ act: Activation) -> String {
        CText.constants([("COUNT", count)]) + parallelFor(count)
            + "    for (long i = 0; i < COUNT; i++) y[i] = \(act.apply("x[i]"));\n"
    }

    /// y = x, converted between float and double (a float64 teacher's input and features).
    static func convert(_ count: Int, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], convertBody(count))
    }

    private static func convertBody(_ count: Int) -> String {
        CText.constants([("COUNT", count)]) + parallelFor(count) + "    for (long i = 0; i < COUNT; i++) y[i] = x[i];\n"
    }

    /// dx (=|+=) dy where the activation's output z lets the gradient pass.
    static func activationBackward(_ count: Int, _ act: Activation, accumulate: Bool, dy: Int, z: Int, dx: Int) -> KernelCode {
        KernelCode([.reads("dy", dy), .reads("z", z), .writes("dx", dx)], activationBackwardBody(count, act, accumulate: accumulate))
    }

    private static func activationBackwardBody(_ count: Int, _ act: Activation, accumulate: Bool) -> String {
        CText.constants([("COUNT", count)]) + parallelFor(count)
            + "    for (long i = 0; i < COUNT; i++) dx[i] \(accumulate ? "+=" : "=") \(act.gradient("dy[i]", at: "z[i]"));\n"
    }

    /// y = act(x0 + x1 + ...), summed left to right as PyTorch's chained adds.
    static func add(_ count: Int, act: Activation?, x: [Int], y: Int) -> KernelCode {
        KernelCode(x.enumerated().map { Kernel.Arg.reads("x\($0.offset)", $0.element) } + [.writes("y", y)], addBody(count, inputs: x.count, act: act))
    }

    private static func addBody(_ count: Int, inputs: Int, act: Activation?) -> String {
        let sum = "(" + (0..<inputs).map { "x\($0)[i]" }.joined(separator: " + ") + ")"
        return CText.constants([("COUNT", count)]) + parallelFor(count)
            + "    for (long i = 0; i < COUNT; i++) y[i] = \(act?.apply(sum) ?? sum);\n"
    }

    /// Backward of a sum (after an optional fused activation with output z): every target
    /// gets `times` x g, g = dy * mask, written or accumulated, and dy itself becomes g when
    /// in place.
    static func addBackward(_ count: Int, act: Activation?, inPlace: Bool, dy: Int, z: Int?,
                            targets: [(buffer: Int, accumulate: Bool, times: Int)]) -> KernelCode {
        let args: [Kernel.Arg] = [.arg("dy", dy, writes: inPlace)] + (z.map { [.reads("z", $0)] } ?? [])
            + targets.enumerated().map { .writes("t\($0.offset)", $0.element.buffer) }
        return KernelCode(args, addBackwardBody(count, act: act, inPlace: inPlace, targets: targets.map { ($0.accumulate, $0.times) }))
    }

    private static func addBackwardBody(_ count: Int, act: Activation?, inPlace: Bool, targets: [(accumulate: Bool, times: Int)]) -> String {
        let g = act.map { $0.gradient("dy[i]", at: "z[i]") } ?? "dy[i]"
        let stores = ((inPlace ? ["dy[i] = g;"] : []) + targets.enumerated().map { k, t in
            "t\(k)[i] \(t.accumulate ? "+=" : "=") \(t.times == 1 ? "" : "\(t.times) * ")g;"
        }).joined(separator: " ")
        return CText.constants([("COUNT", count)]) + parallelFor(count)
            + "    for (long i = 0; i < COUNT; i++) { const real g = \(g); \(stores) }\n"
    }

    /// Concatenation along channels: per sample, each input is one contiguous block of the
    /// output. Image-parallel, as the kernels around it: on one thread, the
    /// other core's half of every input crossed over (RD4AD-Lite0's OCBE concatenation and
    /// its gradient, 0.1 ms each, took 0.7 where the cores sit on different L3s).
    static func concat(_ shape: Shape, channels: [Int], x: [Int], y: Int) -> KernelCode {
        KernelCode(x.enumerated().map { Kernel.Arg.reads("x\($0.offset)", $0.element) } + [.writes("y", y)], concatBody(shape, channels: channels))
    }

    private static func concatBody(_ y: Shape, channels: [Int]) -> String {
        var s = CText.constants([("N", y.n), ("C", y.c), ("HW", y.h * y.w)])
        s += parallelFor(y.count) + "    for (int n = 0; n < N; n++) {\n"
        var offset = 0
        for (k, c) in channels.enumerated() {
            s += "        memcpy(y + ((long)n * C + \(offset)) * HW, x\(k) + (long)n * \(c) * HW, sizeof(real) * \(c) * HW);\n"
            offset += c
        }
        return s + "    }\n"
    }

    /// The slice of the concatenation's gradient that belongs to one input.
    static func concatBackward(_ shape: Shape, offset: Int, channels: Int, accumulate: Bool, dy: Int, dx: Int) -> KernelCode {
        KernelCode([.reads("dy", dy), .writes("dx", dx)], concatBackwardBody(shape, offset: offset, channels: channels, accumulate: accumulate))
    }

    private static func concatBackwardBody(_ y: Shape, offset: Int, channels: Int, accumulate: Bool) -> String {
        CText.constants([("N", y.n), ("C", y.c), ("HW", y.h * y.w), ("OFFSET", offset), ("CK", channels)])
            + parallelFor(y.n * channels * y.h * y.w) + """
            for (int n = 0; n < N; n++) {
                const real *src = dy + ((long)n * C + OFFSET) * HW;
                real *dst = dx + (long)n * CK * HW;
                for (long i = 0; i < (long)CK * HW; i++) dst[i] \(accumulate ? "+=" : "=") src[i];
            }

        """
    }

    static func poolConstants(_ a: PoolAttrs, _ x: Shape, _ y: Shape) -> String {
        CText.constants([("N", x.n), ("C", x.c), ("H", x.h), ("W", x.w), ("OH", y.h), ("OW", y.w),
                         ("KH", a.kernel[0]), ("KW", a.kernel[1]), ("SH", a.stride[0]), ("SW", a.stride[1]),
                         ("PT", a.padding.top), ("PL", a.padding.left)])
    }

    /// The window loop of max pooling's backward: finds `best` (the first maximum, NaN
    /// winning, as PyTorch) and its index `arg` in the input plane `xp`.
    static let poolWindow = """
                        real best = -INFINITY; long arg = -1;
                        for (int kh = 0; kh < KH; kh++) {
                            const int ih = oh * SH - PT + kh;
                            if (ih < 0 || ih >= H) continue;
                            for (int kw = 0; kw < KW; kw++) {
                                const int iw = ow * SW - PL + kw;
                                if (iw < 0 || iw >= W) continue;
                                const real v = xp[(long)ih * W + iw];
                                if (v > best || isnan(v)) { best = v; arg = (long)ih * W + iw; }
                            }
                        }

    """

    /// Max pooling, padding counting as -infinity. Row by row, each tap in the
    /// window order of `poolWindow` (so the same first maximum, NaN winning) over a whole
    /// output row at once, vectorized over its width.
    static func maxPool(_ a: PoolAttrs, _ from: Shape, _ to: Shape, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], maxPoolBody(a, from, to))
    }

    private static func maxPoolBody(_ a: PoolAttrs, _ x: Shape, _ y: Shape) -> String {
        poolConstants(a, x, y) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++) {
                    const real *xp = x + ((long)n * C + c) * H * W;
                    real *yp = y + ((long)n * C + c) * OH * OW;
                    for (int oh = 0; oh < OH; oh++) {
                        real *yr = yp + (long)oh * OW;
                        for (int ow = 0; ow < OW; ow++) yr[ow] = -INFINITY;
                        for (int kh = 0; kh < KH; kh++) {
                            const int ih = oh * SH - PT + kh;
                            if (ih < 0 || ih >= H) continue;
                            for (int kw = 0; kw < KW; kw++) {
                                const int ow0 = rdc_first(PL - kw, SW), ow1 = rdc_end(W - 1 + PL - kw, SW, OW);
                                const real *xr = xp + (long)ih * W + kw - PL;
                                for (int ow = ow0; ow < ow1; ow++) {
                                    const real v = xr[ow * SW];
                                    yr[ow] = (v > yr[ow] || v != v) ? v : yr[ow];
                                }
                            }
                        }
                    }
                }

        """
    }

    /// Routes each output gradient to the input position that won its window.
    static func maxPoolBackward(_ a: PoolAttrs, _ from: Shape, _ to: Shape, accumulate: Bool, x: Int, dy: Int, dx: Int) -> KernelCode {
        KernelCode([.reads("x", x), .reads("dy", dy), .writes("dx", dx)], maxPoolBackwardBody(a, from, to, accumulate: accumulate))
    }

    private static func maxPoolBackwardBody(_ a: PoolAttrs, _ x: Shape, _ y: Shape, accumulate: Bool) -> String {
        poolConstants(a, x, y) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++) {
                    const real *xp = x + ((long)n * C + c) * H * W;
                    const real *yp = dy + ((long)n * C + c) * OH * OW;
                    real *dxp = dx + ((long)n * C + c) * H * W;
        \(accumulate ? "" : "            for (long i = 0; i < (long)H * W; i++) dxp[i] = 0;\n")            for (int oh = 0; oh < OH; oh++)
                        for (int ow = 0; ow < OW; ow++) {
        \(poolWindow)                if (arg >= 0) dxp[arg] += yp[oh * OW + ow];
                        }
                }

        """
    }
}
