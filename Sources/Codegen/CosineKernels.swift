import DSL

/// 1 - cosine similarity, as torch.nn.functional.cosine_similarity:
/// cos = <a,b> / (max(|a|,eps) * max(|b|,eps)). Dot products and norms accumulate in double.
/// The gradient of 1 - cos w.r.t. b is -(a / (|a||b|) - cos * b / |b|^2) (the second term
/// vanishes where the norm is clamped to eps, which PyTorch treats as a constant).
enum CosineKernels {
    /// Positions per block of the per-pixel kernels: one thread's accumulators stay in L1.
    static let block = 64
    /// Fixed chunks of the flat reductions, so the partial sums and their order do not
    /// depend on the number of threads.
    static let chunks = 64

    static func pixelConstants(_ x: Shape) -> String {
        let hw = x.h * x.w
        return CText.constants([("N", x.n), ("C", x.c), ("HW", hw), ("BLOCK", block), ("BLOCKS", (hw + block - 1) / block)])
    }

    /// The per-position statistics of one block of positions: dot, |a|^2, |b|^2.
    static let pixelStatistics = """
                    const long i0 = (long)blk * BLOCK;
                    const int len = HW - i0 < BLOCK ? (int)(HW - i0) : BLOCK;
                    double dot[BLOCK] = {0}, na[BLOCK] = {0}, nb[BLOCK] = {0};
                    for (int c = 0; c < C; c++) {
                        const real *ap = a + ((long)n * C + c) * HW + i0, *bp = b + ((long)n * C + c) * HW + i0;
                        for (int j = 0; j < len; j++) {
                            dot[j] += (double)ap[j] * bp[j];
                            na[j] += (double)ap[j] * ap[j];
                            nb[j] += (double)bp[j] * bp[j];
                        }
                    }

    """

    /// (a, b) [N,C,H,W] -> y [N,H,W]: 1 - cos over channels.
    static func pixel(_ shape: Shape, eps: Float, a: Int, b: Int, y: Int) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("a", a), .reads("b", b), .writes("y", y)]
        return KernelCode(args, pixelBody(shape, eps: eps))
    }

    private static func pixelBody(_ x: Shape, eps: Float) -> String {
        pixelConstants(x) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int blk = 0; blk < BLOCKS; blk++) {
        \(pixelStatistics)            for (int j = 0; j < len; j++)
                        y[(long)n * HW + i0 + j] = (real)(1 - dot[j] / (fmax(sqrt(na[j]), \(CText.literal(eps))) * fmax(sqrt(nb[j]), \(CText.literal(eps)))));
                }

        """
    }

    /// Gradient of the per-pixel distance w.r.t. the inputs in `targets` ("a" and/or "b",
    /// each with its accumulate flag).
    /// `targets`: "a" and/or "b", the buffer of its gradient, and whether it accumulates.
    static func pixelBackward(_ shape: Shape, eps: Float, a: Int, b: Int, dy: Int,
                        targets: [(side: String, buffer: Int, accumulate: Bool)]) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("a", a), .reads("b", b), .reads("dy", dy)] + targets.map { .writes("d" + $0.side, $0.buffer) }
        return KernelCode(args, pixelBackwardBody(shape, eps: eps, targets: targets.map { ($0.side, $0.accumulate) }))
    }

    private static func pixelBackwardBody(_ x: Shape, eps: Float, targets: [(String, Bool)]) -> String {
        var s = pixelConstants(x) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int blk = 0; blk < BLOCKS; blk++) {
        \(pixelStatistics)            double sa[BLOCK], sb[BLOCK], ab[BLOCK];
                    for (int j = 0; j < len; j++) {
                        const double la = sqrt(na[j]), lb = sqrt(nb[j]);
                        const double ma = fmax(la, \(CText.literal(eps))), mb = fmax(lb, \(CText.literal(eps)));
                        const double g = dy[(long)n * HW + i0 + j], cos = dot[j] / (ma * mb);
                        ab[j] = -g / (ma * mb);
                        sa[j] = la >= \(CText.literal(eps)) ? g * cos / (ma * ma) : 0;
                        sb[j] = lb >= \(CText.literal(eps)) ? g * cos / (mb * mb) : 0;
                    }
                    for (int c = 0; c < C; c++) {
                        const long o = ((long)n * C + c) * HW + i0;

        """
        for (target, accumulate) in targets {
            let other = target == "a" ? "b" : "a"
            let scale = target == "a" ? "sa" : "sb"
            s += "                for (int j = 0; j < len; j++) d\(target)[o + j] \(accumulate ? "+=" : "=") (real)(ab[j] * \(other)[o + j] + \(scale)[j] * \(target)[o + j]);\n"
        }
        return s + "            }\n        }\n"
    }

    static func flatConstants(_ x: Shape) -> String {
        let k = x.count / x[0]
        return CText.constants([("N", x[0]), ("K", k), ("CHUNKS", chunks), ("CHUNK", (k + chunks - 1) / chunks)])
    }

    /// Per sample dot, |a|^2, |b|^2 in fixed chunks, then summed in chunk order.
    static let flatStatistics = """
            double part[N][CHUNKS][3];
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int k = 0; k < CHUNKS; k++) {
                    const long i0 = (long)k * CHUNK, i1 = i0 + CHUNK < K ? i0 + CHUNK : K;
                    const real *ap = a + (long)n * K, *bp = b + (long)n * K;
                    double d = 0, sa = 0, sb = 0;
                    #pragma omp simd reduction(+:d, sa, sb)
                    for (long i = i0; i < i1; i++) { d += (double)ap[i] * bp[i]; sa += (double)ap[i] * ap[i]; sb += (double)bp[i] * bp[i]; }
                    part[n][k][0] = d; part[n][k][1] = sa; part[n][k][2] = sb;
                }
            double dot[N], na[N], nb[N];
            for (int n = 0; n < N; n++) {
                dot[n] = na[n] = nb[n] = 0;
                for (int k = 0; k < CHUNKS; k++) { dot[n] += part[n][k][0]; na[n] += part[n][k][1]; nb[n] += part[n][k][2]; }
            }

    """

    /// (a, b) [N,...] -> y [N]: 1 - cos of each sample's flattened tensors.
    static func flat(_ shape: Shape, eps: Float, a: Int, b: Int, y: Int) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("a", a), .reads("b", b), .writes("y", y)]
        return KernelCode(args, flatBody(shape, eps: eps))
    }

    private static func flatBody(_ x: Shape, eps: Float) -> String {
        flatConstants(x) + flatStatistics + """
            for (int n = 0; n < N; n++)
                y[n] = (real)(1 - dot[n] / (fmax(sqrt(na[n]), \(CText.literal(eps))) * fmax(sqrt(nb[n]), \(CText.literal(eps)))));

        """
    }

    /// Gradient of the flat distance w.r.t. `targets`.
    /// `targets`: "a" and/or "b", the buffer of its gradient, and whether it accumulates.
    static func flatBackward(_ shape: Shape, eps: Float, a: Int, b: Int, dy: Int,
                        targets: [(side: String, buffer: Int, accumulate: Bool)]) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("a", a), .reads("b", b), .reads("dy", dy)] + targets.map { .writes("d" + $0.side, $0.buffer) }
        return KernelCode(args, flatBackwardBody(shape, eps: eps, targets: targets.map { ($0.side, $0.accumulate) }))
    }

    private static func flatBackwardBody(_ x: Shape, eps: Float, targets: [(String, Bool)]) -> String {
        var s = flatConstants(x) + flatStatistics + """
            real ab[N], sa[N], sb[N];
            for (int n = 0; n < N; n++) {
                const double la = sqrt(na[n]), lb = sqrt(nb[n]);
                const double ma = fmax(la, \(CText.literal(eps))), mb = fmax(lb, \(CText.literal(eps)));
                const double cos = dot[n] / (ma * mb);
                ab[n] = (real)(-dy[n] / (ma * mb));
                sa[n] = (real)(la >= \(CText.literal(eps)) ? dy[n] * cos / (ma * ma) : 0);
                sb[n] = (real)(lb >= \(CText.literal(eps)) ? dy[n] * cos / (mb * mb) : 0);
            }
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int k = 0; k < CHUNKS; k++) {
                    const long i0 = (long)n * K + (long)k * CHUNK, i1 = (long)n * K + ((long)k * CHUNK + CHUNK < K ? (long)k * CHUNK + CHUNK : K);

        """
        for (target, accumulate) in targets {
            let other = target == "a" ? "b" : "a"
            let scale = target == "a" ? "sa" : "sb"
            s += "            for (long i = i0; i < i1; i++) d\(target)[i] \(accumulate ? "+=" : "=") ab[n] * \(other)[i] + \(scale)[n] * \(target)[i];\n"
        }
        return s + "        }\n"
    }
}
