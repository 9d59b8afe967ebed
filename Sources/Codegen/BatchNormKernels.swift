import DSL

/// BatchNorm2d kernels. Statistics are accumulated in double, the two-pass way PyTorch
/// computes them: mean first, then the centered sum of squares.
///
/// Every pass over the activation is image-parallel: the threads split (image, channel)
/// planes in order, as the elementwise kernels split the flat tensor and Winograd its tile
/// blocks, so each thread reads the images it (or its neighbour kernels) wrote. Split by
/// channel instead, half of every tensor crossed between the cores; where the two cores sit
/// on different L3s (this machine's slow spells: a 330 ns round trip against 80) that made
/// these kernels 1.6-2x slower. The per-image sums go to `part` (double, 2 x N x C) and are
/// added over the images in order, so the result does not depend on the thread count.
/// A BatchNorm's four parameter buffers, in the order of its node's params.
struct BatchNormParameters {
    var weight, bias, runningMean, runningVar: Int
    init(_ p: [Int]) { (weight, bias, runningMean, runningVar) = (p[0], p[1], p[2], p[3]) }
}

/// What a training BatchNorm's backward and recompute read: its input, scale and shift, and
/// the statistics its forward saved.
struct SavedBatchNorm {
    var x, w, b, saveMean, saveInvstd: Int

    func args(suffix: String) -> [Kernel.Arg] {
        [.reads("x" + suffix, x), .reads("w" + suffix, w), .reads("b" + suffix, b),
         .reads("save_mean" + suffix, saveMean), .reads("save_invstd" + suffix, saveInvstd)]
    }
}

/// Where a backward writes its input's gradient: nowhere, over the incoming gradient dy, or
/// into a buffer (accumulating or not).
enum InputGradient: Equatable {
    case none, inPlace
    case buffer(Int, accumulate: Bool)
}

enum BatchNormKernels {
    static func constants(_ x: Shape) -> String {
        CText.constants([("N", x.n), ("C", x.c), ("HW", x.h * x.w)])
    }

    /// Elements of a training BatchNorm's `part` scratch (forward and backward): two sums per
    /// image and channel, then the two per-channel totals the processes sum (rdc_reduce).
    static func partials(_ x: Shape) -> Int { 2 * x.n * x.c + 2 * x.c }

    /// Sums `count` doubles at `part + offset` across the processes, on the calling thread,
    /// inside the kernel's parallel region.
    private static func reduce(offset: String, count: String) -> String {
        """
                #pragma omp master
                rdc_reduce(reducer, part + \(offset), \(count), 8);
                #pragma omp barrier

        """
    }

    /// A C statement that adds `part[base + m*C + c]` over the images m, in order, into the
    /// double `name`.
    private static func total(_ name: String, base: String) -> String {
        "double \(name) = 0; for (int m = 0; m < N; m++) \(name) += part[\(base)(long)m * C + c];"
    }

    /// Training mode: normalize with the biased batch variance, save mean and 1/std for the
    /// backward, and move the running statistics by `momentum` towards the batch mean and
    /// the UNBIASED batch variance (n/(n-1)), as torch.nn.BatchNorm2d.train() does.
    static func forwardTrain(_ shape: Shape, _ a: BatchNormAttrs, act: Activation?, x: Int, p: BatchNormParameters,
                             saveMean: Int, saveInvstd: Int, part: Int, y: Int) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("x", x), .reads("w", p.weight), .reads("b", p.bias), .writes("running_mean", p.runningMean),
                                  .writes("running_var", p.runningVar), .writes("save_mean", saveMean), .writes("save_invstd", saveInvstd),
                                  .writes("part", part), .writes("y", y)]
        var code = KernelCode(args, forwardTrainBody(shape, a, act: act))
        code.usesReducer = true
        return code
    }

    private static func forwardTrainBody(_ x: Shape, _ a: BatchNormAttrs, act: Activation?) -> String {
        constants(x) + """
            /* M: the global batch's values per channel; tot: the per-channel sums, then the
             * sums of squared deviations, of every process (rdc_reduce). */
            const double M = (double)N * HW * rdc_ranks(reducer), eps = \(CText.literal(a.eps)), momentum = \(CText.literal(a.momentum));
            double *const tot = part + 2L * N * C;
            #pragma omp parallel
            {
                #pragma omp for collapse(2) schedule(static)
                for (int n = 0; n < N; n++)
                    for (int c = 0; c < C; c++) {
                        const real *xp = x + ((long)n * C + c) * HW;
                        double sum = 0;
                        #pragma omp simd reduction(+:sum)
                        for (long i = 0; i < HW; i++) sum += xp[i];
                        part[(long)n * C + c] = sum;
                    }
                #pragma omp for schedule(static)
                for (int c = 0; c < C; c++) { \(total("sum", base: "")) tot[c] = sum; }
        \(reduce(offset: "2L * N * C", count: "C"))\
                #pragma omp for collapse(2) schedule(static)
                for (int n = 0; n < N; n++)
                    for (int c = 0; c < C; c++) {
                        const double mean = tot[c] / M;
                        const real *xp = x + ((long)n * C + c) * HW;
                        double sq = 0;
                        #pragma omp simd reduction(+:sq)
                        for (long i = 0; i < HW; i++) { const double d = xp[i] - mean; sq += d * d; }
                        part[(long)(N + n) * C + c] = sq;
                    }
                #pragma omp for schedule(static)
                for (int c = 0; c < C; c++) { \(total("sq", base: "(long)N * C + ")) tot[C + c] = sq; }
        \(reduce(offset: "2L * N * C + C", count: "C"))\
                #pragma omp for schedule(static)
                for (int c = 0; c < C; c++) {
                    const double sum = tot[c], sq = tot[C + c];
                    const double mean = sum / M, var = sq / M, invstd = 1.0 / sqrt(var + eps);
                    save_mean[c] = (real)mean;
                    save_invstd[c] = (real)invstd;
                    running_mean[c] = (real)((1 - momentum) * running_mean[c] + momentum * mean);
                    running_var[c] = (real)((1 - momentum) * running_var[c] + momentum * sq / (M - 1));
                }
        \(CText.indented(normalize("y", act: act, pragma: "#pragma omp for collapse(2) schedule(static)"), by: "    "))    }

        """
    }

    /// y = x * sc + sh per channel c, from the saved statistics: the forward, the backward's
    /// activation mask and the recomputation all derive the same sc, sh from the same saved
    /// values, so the mask is the forward's bit for bit.
    static let scaleShift = scaleShift("")

    /// scaleShift of the BatchNorm whose arguments and coefficients carry the suffix `k`.
    static func scaleShift(_ k: String) -> String {
        """
                const real sc\(k) = (real)((double)w\(k)[c] * save_invstd\(k)[c]), sh\(k) = (real)((double)b\(k)[c] - (double)save_mean\(k)[c] * sc\(k));
        """
    }

    /// z = act(x * sc + sh) again, from the saved statistics: a training BatchNorm's output
    /// for the backward of the convolution reading it (its weight gradient), so that z need
    /// not stay in memory from the forward until then.
    static func recompute(_ shape: Shape, act: Activation?, term: SavedBatchNorm, z: Int) -> KernelCode {
        let args = term.args(suffix: "") + [.writes("z", z)]
        return KernelCode(args, recomputeBody(shape, act: act))
    }

    private static func recomputeBody(_ x: Shape, act: Activation?) -> String {
        constants(x) + normalize("z", act: act, pragma: "#pragma omp parallel for collapse(2) schedule(static)")
    }

    /// out = act(x * sc + sh) over every (image, channel) plane, from the saved statistics, the
    /// threads taking the planes in order (`pragma`: the loop's OpenMP line).
    private static func normalize(_ out: String, act: Activation?, pragma: String) -> String {
        let v = "(xp[i] * sc + sh)"
        return """
            \(pragma)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++) {
            \(scaleShift)
                    const real *xp = x + ((long)n * C + c) * HW;
                    real *yp = \(out) + ((long)n * C + c) * HW;
                    for (long i = 0; i < HW; i++) yp[i] = \(act?.apply(v) ?? v);
                }

        """
    }

    /// z = act(sum over k of act_k(x_k * sc_k + sh_k)) again: a residual sum (with its fused
    /// activation) whose every term is a training BatchNorm's output, recomputed from the
    /// BatchNorms' inputs and saved statistics for the backward (its activation mask, the next
    /// convolution's weight gradient) instead of staying in memory from the forward. The terms
    /// add in the forward's order, each rounded as the BatchNorm stored it, so z is the
    /// forward's bit for bit.
    static func sumRecompute(_ shape: Shape, terms: [(act: Activation?, saved: SavedBatchNorm)], act: Activation?, z: Int) -> KernelCode {
        let args = terms.enumerated().flatMap { $0.element.saved.args(suffix: "\($0.offset)") } + [.writes("z", z)]
        return KernelCode(args, sumRecomputeBody(shape, terms: terms.map(\.act), act: act))
    }

    private static func sumRecomputeBody(_ x: Shape, terms: [Activation?], act: Activation?) -> String {
        let sum = "(" + terms.enumerated().map { k, a in
            let v = "(x\(k)p[i] * sc\(k) + sh\(k))"
            return a?.apply(v) ?? v
        }.joined(separator: " + ") + ")"
        let coefficients = terms.indices.map { k in
            "    " + scaleShift("\(k)") + "\n            const real *x\(k)p = x\(k) + ((long)n * C + c) * HW;\n"
        }.joined()
        return constants(x) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++) {
        \(coefficients)            real *zp = z + ((long)n * C + c) * HW;
                    for (long i = 0; i < HW; i++) zp[i] = \(act?.apply(sum) ?? sum);
                }

        """
    }

    /// Eval mode from the running statistics, for a BatchNorm no convolution absorbed.
    static func forwardEval(_ shape: Shape, _ a: BatchNormAttrs, act: Activation?, x: Int, p: BatchNormParameters, y: Int) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("x", x), .reads("w", p.weight), .reads("b", p.bias), .reads("running_mean", p.runningMean),
                                  .reads("running_var", p.runningVar), .writes("y", y)]
        return KernelCode(args, forwardEvalBody(shape, a, act: act))
    }

    private static func forwardEvalBody(_ x: Shape, _ a: BatchNormAttrs, act: Activation?) -> String {
        let v = "(xp[i] * sc + sh)"
        return constants(x) + """
            #pragma omp parallel for collapse(2) schedule(static)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++) {
                    const double inv = 1.0 / sqrt((double)running_var[c] + \(CText.literal(a.eps)));
                    const real sc = (real)(w[c] * inv), sh = b[c] - running_mean[c] * sc;
                    const real *xp = x + ((long)n * C + c) * HW;
                    real *yp = y + ((long)n * C + c) * HW;
                    for (long i = 0; i < HW; i++) yp[i] = \(act?.apply(v) ?? v);
                }

        """
    }

    /// Backward of training-mode BatchNorm (and of the activation fused after it, whose
    /// gradient passes where it does not clamp; the mask comes from x, so its output need
    /// not be kept):
    ///   g = dy * mask, dw = sum(g * xhat), db = sum(g),
    ///   dx = w * invstd * (g - db / M - xhat * dw / M),  xhat = (x - mean) * invstd.
    /// `dx`: where the input's gradient goes (in place: over dy, every dy being summed before
    /// the first store).
    static func backward(_ shape: Shape, act: Activation?, dy: Int, saved: SavedBatchNorm, dw: Int, db: Int, part: Int,
                         dx: InputGradient) -> KernelCode {
        var args: [Kernel.Arg] = [.arg("dy", dy, writes: dx == .inPlace)] + saved.args(suffix: "")
            + [.writes("dw", dw), .writes("db", db), .writes("part", part)]
        var name: String?, accumulate = false
        switch dx {
        case .none: break
        case .inPlace: name = "dy"
        case .buffer(let b, let acc): args.append(.writes("dx", b)); name = "dx"; accumulate = acc
        }
        var code = KernelCode(args, backwardBody(shape, act: act, dx: name, accumulate: accumulate))
        code.usesReducer = name != nil
        return code
    }

    private static func backwardBody(_ x: Shape, act: Activation?, dx: String?, accumulate: Bool) -> String {
        let g = act.map { $0.gradient("yp[i]", at: "(xp[i] * sc + sh)") } ?? "yp[i]"
        let mask = act == nil ? "" : "        " + scaleShift + "\n"
        var s = constants(x) + """
            /* M: the global batch's values per channel; tot: the per-channel sums of every
             * process for dx (rdc_reduce), dw and db staying this process's (rdc_backward sums
             * and averages the gradients at its end). */
            const double M = (double)N * HW\(dx == nil ? "" : " * rdc_ranks(reducer)");
            double *const tot = part + 2L * N * C;
            (void)M; (void)tot;
            #pragma omp parallel
            {
                #pragma omp for collapse(2) schedule(static)
                for (int n = 0; n < N; n++)
                    for (int c = 0; c < C; c++) {
                        const double mean = save_mean[c];
        \(mask)                const real *yp = dy + ((long)n * C + c) * HW, *xp = x + ((long)n * C + c) * HW;
                        double sg = 0, sgx = 0;
                        #pragma omp simd reduction(+:sg, sgx)
                        for (long i = 0; i < HW; i++) { const double gi = \(g); sg += gi; sgx += gi * (xp[i] - mean); }
                        part[(long)n * C + c] = sg;
                        part[(long)(N + n) * C + c] = sgx;
                    }
                #pragma omp for schedule(static)
                for (int c = 0; c < C; c++) {
                    \(total("sg", base: ""))
                    \(total("sgx", base: "(long)N * C + "))
                    dw[c] = (real)(sgx * save_invstd[c]);
                    db[c] = (real)sg;
                    tot[c] = sg;
                    tot[C + c] = sgx;
                }

        """
        if let dx {
            s += reduce(offset: "2L * N * C", count: "2 * C") + """
                        #pragma omp for collapse(2) schedule(static)
                        for (int n = 0; n < N; n++)
                            for (int c = 0; c < C; c++) {
                                const double invstd = save_invstd[c];
                \(mask)                const double sg = tot[c], sgx = tot[C + c];
                                const real k = (real)(w[c] * invstd), mg = (real)(sg / M), proj = (real)(sgx * invstd * invstd / M);
                                const real mu = save_mean[c];
                                const real *yp = dy + ((long)n * C + c) * HW, *xp = x + ((long)n * C + c) * HW;
                                real *dxp = \(dx) + ((long)n * C + c) * HW;
                                for (long i = 0; i < HW; i++) dxp[i] \(accumulate ? "+=" : "=") k * (\(g) - mg - (xp[i] - mu) * proj);
                            }

                """
        }
        return s + "    }\n"
    }

    /// Folds an eval-mode BatchNorm into the (transposed) convolution before it:
    ///   w' = w * s, b' = (b_conv - mean) * s + beta,  s = gamma / sqrt(var + eps).
    /// The weight is seen as [OUTER, CO, INNER] (conv: [1, CO, CIG*KH*KW]; transposed conv:
    /// [CI, CO, KH*KW]).
    static func fold(outer: Int, outChannels: Int, inner: Int, eps: Float, w: Int, convBias: Int?, bn: BatchNormParameters,
                     fw: Int, fb: Int) -> KernelCode {
        let args: [Kernel.Arg] = [.reads("w", w)] + (convBias.map { [.reads("cb", $0)] } ?? [])
            + [.reads("bn_w", bn.weight), .reads("bn_b", bn.bias), .reads("bn_mean", bn.runningMean), .reads("bn_var", bn.runningVar),
               .writes("fw", fw), .writes("fb", fb)]
        return KernelCode(args, foldBody(outer: outer, outChannels: outChannels, inner: inner, eps: eps, convBias: convBias != nil))
    }

    private static func foldBody(outer: Int, outChannels: Int, inner: Int, eps: Float, convBias: Bool) -> String {
        CText.constants([("OUTER", outer), ("CO", outChannels), ("INNER", inner)]) + """
            for (int co = 0; co < CO; co++) {
                const double s = bn_w[co] / sqrt((double)bn_var[co] + \(CText.literal(eps)));
                for (int o = 0; o < OUTER; o++)
                    for (int k = 0; k < INNER; k++) {
                        const long i = ((long)o * CO + co) * INNER + k;
                        fw[i] = (real)(w[i] * s);
                    }
                fb[co] = (real)((\(convBias ? "(double)cb[co]" : "0.0") - bn_mean[co]) * s + bn_b[co]);
            }

        """
    }
}
