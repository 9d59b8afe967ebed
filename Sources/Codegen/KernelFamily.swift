import DSL

/// The family a kernel is profiled under (rdc_profile_family, read by `rdc bench` and
/// `rdc kernels --profile`): dense convolutions by window and pass ("conv3x3_fwd",
/// "conv3x3_bwd_data", "conv3x3_bwd_weights", "conv1x1_fwd", ...), "depthwise" for grouped
/// ones, "convT2x2", "batchnorm", "elementwise", else "other" (heads, folds, the seed).
enum KernelFamily {
    static func of(_ op: Op, suffix: String) -> String {
        let pass: String
        switch suffix {
        case "fwd", "fwd_eval": pass = "fwd"
        case "bwd_data": pass = "bwd_data"
        case "bwd_weight": pass = "bwd_weights"
        default: pass = ""
        }
        switch op {
        case .conv2d(let a) where !pass.isEmpty:
            return a.groups > 1 ? "depthwise" : "conv\(a.kernel[0])x\(a.kernel[1])_\(pass)"
        case .convTranspose2d(let a) where !pass.isEmpty:
            return "convT\(a.kernel[0])x\(a.kernel[1])"
        case .batchNorm:
            return suffix == "fold" ? "other" : "batchnorm"
        case .activation, .add, .concat, .maxPool2d:
            return "elementwise"
        default:
            return "other"
        }
    }
}
