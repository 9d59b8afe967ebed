import DSL

/// What a convolution does to each finished output plane: add its bias, apply an eval-mode
/// BatchNorm from the running statistics, and an activation, in one pass while the plane
/// is still in cache. (The teacher's BatchNorms are folded into its weights instead, see
/// FoldBatchNorm, and arrive here as a plain bias.)
struct Epilogue {
    var bias = false
    var batchNormEps: Float?
    var act: Activation?

    var isEmpty: Bool { !bias && batchNormEps == nil && act == nil }

    /// Applies the epilogue to `count` values at `plane`, output channel `channel`.
    func code(plane: String, count: String, channel: String, indent: String) -> String {
        guard !isEmpty else { return "" }
        return setup(channel: channel, indent: indent)
            + "\(indent)for (long i = 0; i < \(count); i++) \(plane)[i] = \(value("\(plane)[i]"));\n"
    }

    /// Declarations `value` needs for output channel `channel`: the bias, or BatchNorm's
    /// scale and shift, in locals (inside an OpenMP region the compiler may no longer know
    /// that stores to the output leave b alone, and would not vectorize the loop).
    func setup(channel: String, indent: String) -> String {
        if let eps = batchNormEps {
            // As PyTorch's eval BatchNorm: y = x * a + c, a = w / sqrt(var + eps), c = b - mean * a.
            return "\(indent)const double inv = 1.0 / sqrt((double)bn_var[\(channel)] + \(CText.literal(eps)));\n"
                + "\(indent)const real a = (real)(bn_w[\(channel)] * inv);\n"
                + "\(indent)const real c = \(bias ? "b[\(channel)] * a + " : "")bn_b[\(channel)] - bn_mean[\(channel)] * a;\n"
        }
        return bias ? "\(indent)const real bias = b[\(channel)];\n" : ""
    }

    /// The C expression of the epilogue of the value `v`, after `setup`.
    func value(_ v: String) -> String {
        let z = affine(v)
        return act?.apply(z) ?? z
    }

    /// The same of the vector `v` (an rdc_vec), lane by lane.
    func vector(_ v: String) -> String {
        let z = affine(v)
        return act?.applyVector(z) ?? z
    }

    private func affine(_ v: String) -> String { batchNormEps != nil ? "(\(v) * a + c)" : bias ? "(\(v) + bias)" : v }
}

/// The buffers an epilogue reads: the bias (a convolution's, or a folded BatchNorm's), an
/// eval-mode BatchNorm's parameters. Named here, beside the code that reads them.
struct EpilogueInputs {
    var bias: Int?
    var batchNorm: BatchNormParameters?

    /// The kernel's parameters: "b" + suffix, then "bn_w", "bn_b", "bn_mean", "bn_var".
    func args(suffix: String = "") -> [Kernel.Arg] {
        (bias.map { [.reads("b" + suffix, $0)] } ?? [])
            + (batchNorm.map { [.reads("bn_w", $0.weight), .reads("bn_b", $0.bias), .reads("bn_mean", $0.runningMean),
                                .reads("bn_var", $0.runningVar)] } ?? [])
    }
}

extension Epilogue {
    /// The epilogue as rdc_gemm applies it to each finished tile (templates/rdc_gemm.c): C
    /// code declaring `ep` over the output channels `co < CO`, a BatchNorm's per-channel
    /// scale and shift first computed into `coefficients` (2 * CO elements of scratch, the
    /// same arithmetic as `code`), and the argument to pass ("&ep", or "NULL" when empty).
    func gemm(coefficients: String) -> (setup: String, argument: String) {
        guard !isEmpty else { return ("", "NULL") }
        guard let eps = batchNormEps else { return (gemmBias(name: "ep", bias: "b"), "&ep") }
        return ("""
                real *ep_scale = \(coefficients), *ep_shift = ep_scale + CO;
                for (int co = 0; co < CO; co++) {
                    const double inv = 1.0 / sqrt((double)bn_var[co] + \(CText.literal(eps)));
                    const real a = (real)(bn_w[co] * inv);
                    ep_scale[co] = a;
                    ep_shift[co] = \(bias ? "b[co] * a + " : "")bn_b[co] - bn_mean[co] * a;
                }
                const rdc_epilogue ep = {.scale = ep_scale, .shift = ep_shift\(actFields)};

            """, "&ep")
    }

    /// A bias-and-activation epilogue (no BatchNorm) declared as `name`, the bias array
    /// `bias`; "" when empty.
    func gemmBias(name: String, bias: String, stream: Bool = false) -> String {
        precondition(batchNormEps == nil, "a BatchNorm epilogue needs its coefficients (gemm(coefficients:))")
        return isEmpty ? "" : "    const rdc_epilogue \(name) = {.shift = \(self.bias ? bias : "NULL")\(actFields)\(stream ? ", .stream = 1" : "")};\n"
    }

    /// rdc_epilogue's activation fields, after others.
    private var actFields: String { act.map { ", " + $0.epilogueFields } ?? "" }
}
