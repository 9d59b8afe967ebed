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
        var s = ""
        if let eps = batchNormEps {
            // As PyTorch's eval BatchNorm: y = x * a + c, a = w / sqrt(var + eps), c = b - mean * a.
            s += "\(indent)const double inv = 1.0 / sqrt((double)bn_var[\(channel)] + \(CText.literal(eps)));\n"
            s += "\(indent)const real a = (real)(bn_w[\(channel)] * inv);\n"
            s += "\(indent)const real c = \(bias ? "b[\(channel)] * a + " : "")bn_b[\(channel)] - bn_mean[\(channel)] * a;\n"
            let v = "(\(plane)[i] * a + c)"
            s += "\(indent)for (long i = 0; i < \(count); i++) \(plane)[i] = \(act?.apply(v) ?? v);\n"
        } else {
            let v = bias ? "(\(plane)[i] + b[\(channel)])" : "\(plane)[i]"
            s += "\(indent)for (long i = 0; i < \(count); i++) \(plane)[i] = \(act?.apply(v) ?? v);\n"
        }
        return s
    }
}

extension Epilogue {
    /// The epilogue as rdc_gemm applies it to each finished tile (templates/rdc_gemm.c): C
    /// code declaring `ep` over the output channels `co < CO`, a BatchNorm's per-channel
    /// scale and shift first computed into `coefficients` (2 * CO elements of scratch, the
    /// same arithmetic as `code`), and the argument to pass ("&ep", or "NULL" when empty).
    func gemm(coefficients: String) -> (setup: String, argument: String) {
        guard !isEmpty else { return ("", "NULL") }
        let act: Int
        switch self.act {
        case nil: act = 0
        case .relu: act = 1
        case .relu6: act = 2
        }
        guard let eps = batchNormEps else {
            return ("    const rdc_epilogue ep = {NULL, \(bias ? "b" : "NULL"), \(act)};\n", "&ep")
        }
        return ("""
                real *ep_scale = \(coefficients), *ep_shift = ep_scale + CO;
                for (int co = 0; co < CO; co++) {
                    const double inv = 1.0 / sqrt((double)bn_var[co] + \(CText.literal(eps)));
                    const real a = (real)(bn_w[co] * inv);
                    ep_scale[co] = a;
                    ep_shift[co] = \(bias ? "b[co] * a + " : "")bn_b[co] - bn_mean[co] * a;
                }
                const rdc_epilogue ep = {ep_scale, ep_shift, \(act)};

            """, "&ep")
    }
}
