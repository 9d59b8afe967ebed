import Foundation
import DSL

/// The reductions and the anomaly-map kernels: mean, bilinear upsampling, the Gaussian,
/// the per-sample maximum. Map arithmetic is in double, as the official code does it in
/// numpy/scipy float64.
enum HeadKernels {
    /// y = mean of x.
    static func mean(_ count: Int, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], meanBody(count))
    }

    private static func meanBody(_ count: Int) -> String {
        CText.constants([("COUNT", count)]) + """
            double s = 0;
            #pragma omp simd reduction(+:s)
            for (long i = 0; i < COUNT; i++) s += x[i];
            y[0] = (real)(s / COUNT);

        """
    }

    /// dx (=|+=) dy / count.
    static func meanBackward(_ count: Int, accumulate: Bool, dy: Int, dx: Int) -> KernelCode {
        KernelCode([.reads("dy", dy), .writes("dx", dx)], CText.constants([("COUNT", count)]) + ElementwiseKernels.parallelFor(count)
            + "    for (long i = 0; i < COUNT; i++) dx[i] \(accumulate ? "+=" : "=") dy[0] / COUNT;\n")
    }

    /// The gradient of the loss w.r.t. itself.
    static func seed(y: Int) -> KernelCode { KernelCode([.writes("y", y)], "    y[0] = 1;\n") }

    /// Bilinear, align_corners=True: source coordinate = dst * (in-1)/(out-1).
    static func upsample(_ from: Shape, _ to: Shape, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], upsampleBody(from, to))
    }

    private static func upsampleBody(_ x: Shape, _ y: Shape) -> String {
        CText.constants([("N", x[0]), ("IH", x[1]), ("IW", x[2]), ("OH", y[1]), ("OW", y[2])]) + """
            const double sy = OH > 1 ? (double)(IH - 1) / (OH - 1) : 0, sx = OW > 1 ? (double)(IW - 1) / (OW - 1) : 0;
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int oy = 0; oy < OH; oy++) {
                    const double fy = oy * sy;
                    const int y0 = (int)fy, y1 = y0 + 1 < IH ? y0 + 1 : IH - 1;
                    const double ly = fy - y0;
                    const real *r0 = x + ((long)n * IH + y0) * IW, *r1 = x + ((long)n * IH + y1) * IW;
                    real *out = y + ((long)n * OH + oy) * OW;
                    for (int ox = 0; ox < OW; ox++) {
                        const double fx = ox * sx;
                        const int x0 = (int)fx, x1 = x0 + 1 < IW ? x0 + 1 : IW - 1;
                        const double lx = fx - x0;
                        out[ox] = (real)((1 - ly) * ((1 - lx) * r0[x0] + lx * r0[x1]) + ly * ((1 - lx) * r1[x0] + lx * r1[x1]));
                    }
                }

        """
    }

    /// Per image, rows (axis 0) then columns (axis 1), boundary 'reflect' (d c b a | a b c d),
    /// each output summed as scipy's correlate1d does for symmetric weights:
    /// w0*x[i] + sum over j = R...1 of wj*(x[i-j] + x[i+j]). The vertical pass goes to the double scratch
    /// `tmp`.
    static func gaussian(_ shape: Shape, sigma: Double, truncate: Double, x: Int, tmp: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("tmp", tmp), .writes("y", y)], gaussianBody(shape, sigma: sigma, truncate: truncate))
    }

    private static func gaussianBody(_ x: Shape, sigma: Double, truncate: Double) -> String {
        let radius = Op.gaussianRadius(sigma: sigma, truncate: truncate)
        // The half from offset 0 on: the weights are symmetric.
        let weights = Op.gaussianWeights(sigma: sigma, truncate: truncate)[radius...]
        let list = weights.map { String(format: "%.17g", $0) }.joined(separator: ", ")
        return CText.constants([("N", x[0]), ("H", x[1]), ("W", x[2]), ("R", radius)]) + """
            static const double k[R + 1] = { \(list) };
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int i = 0; i < H; i++) {
                    double *t = tmp + ((long)n * H + i) * W;
                    const real *xc = x + ((long)n * H + i) * W;
                    for (int c = 0; c < W; c++) t[c] = k[0] * xc[c];
                    for (int j = R; j >= 1; j--) {
                        const real *xu = x + ((long)n * H + rdc_reflect(i - j, H)) * W;
                        const real *xd = x + ((long)n * H + rdc_reflect(i + j, H)) * W;
                        for (int c = 0; c < W; c++) t[c] += k[j] * ((double)xu[c] + xd[c]);
                    }
                }
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int i = 0; i < H; i++) {
                    double line[W + 2 * R];
                    const double *t = tmp + ((long)n * H + i) * W;
                    for (int c = -R; c < W + R; c++) line[c + R] = t[rdc_reflect(c, W)];
                    real *out = y + ((long)n * H + i) * W;
                    for (int c = 0; c < W; c++) {
                        double s = k[0] * line[c + R];
                        for (int j = R; j >= 1; j--) s += k[j] * (line[c + R - j] + line[c + R + j]);
                        out[c] = (real)s;
                    }
                }

        """
    }

    /// y[n] = max of sample n (NaN wins, as numpy).
    static func maxPerSample(_ shape: Shape, x: Int, y: Int) -> KernelCode {
        KernelCode([.reads("x", x), .writes("y", y)], maxPerSampleBody(shape))
    }

    private static func maxPerSampleBody(_ x: Shape) -> String {
        CText.constants([("N", x[0]), ("K", x.count / x[0])]) + """
            for (int n = 0; n < N; n++) {
                real m = -INFINITY;
                for (long i = 0; i < K; i++) { const real v = x[(long)n * K + i]; if (v > m || isnan(v)) m = v; }
                y[n] = m;
            }

        """
    }
}
