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
