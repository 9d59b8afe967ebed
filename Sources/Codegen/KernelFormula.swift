import DSL

/// What a kernel computes, as a formula for its comment in the generated C (as llm.c states
/// each layer's): by the op of its node and its pass, like KernelFamily. Sums run over the
/// indices on their right; `act` is a fused activation where the kernel has one.
enum KernelFormula {
    /// A training BatchNorm's forward (batch statistics); `of` gives a frozen one's.
    static let batchNormTraining = "mean, var = x[.,c,.,.]'s over N,H,W (biased); y = act((x - mean) / sqrt(var + eps) w + b); "
        + "running = (1 - momentum) running + momentum (mean, var unbiased)"

    static func of(_ op: Op, suffix: String) -> String? {
        switch (op, suffix) {
        case (_, "seed"): return "d loss / d loss = 1"
        case (_, let s) where s.hasPrefix("widen_"): return "a float tensor copied into double, once per fold"
        case (_, "fwd_chain"):
            return "expansion, depthwise and projection of each band of rows, one after another while the band is in cache"
        case (.conv2d, "fold"), (.convTranspose2d, "fold"):
            return "a = gamma / sqrt(running_var + eps); w' = w a (per output channel); b' = (b - running_mean) a + beta"
        case (.conv2d, "fwd"), (.conv2d, "fwd_eval"):
            return "y[n,co,i,j] = act(sum_{ci,kh,kw} w[co,ci,kh,kw] x[n,ci,i*sh+kh-pt,j*sw+kw-pl] + b[co]), x 0 outside"
        case (.conv2d, "bwd_data"):
            return "dx[n,ci,h,w] (+)= sum over the windows reading x[n,ci,h,w] of w[co,ci,kh,kw] dy[n,co,i,j]"
        case (.conv2d, "bwd_weight"):
            return "dw[co,ci,kh,kw] = sum_{n,i,j} dy[n,co,i,j] x[n,ci,i*sh+kh-pt,j*sw+kw-pl]; db[co] = sum_{n,i,j} dy[n,co,i,j]"
        case (.convTranspose2d, "fwd"), (.convTranspose2d, "fwd_eval"):
            return "y[n,co,h*sh+kh,w*sw+kw] += sum_ci x[n,ci,h,w] w[ci,co,kh,kw], then act(y + b[co])"
        case (.convTranspose2d, "bwd_data"):
            return "dx[n,ci,h,w] (+)= sum_{co,kh,kw} w[ci,co,kh,kw] dy[n,co,h*sh+kh,w*sw+kw]"
        case (.convTranspose2d, "bwd_weight"):
            return "dw[ci,co,kh,kw] = sum_{n,h,w} x[n,ci,h,w] dy[n,co,h*sh+kh,w*sw+kw]; db[co] = sum dy[n,co,.,.]"
        case (.batchNorm, "fwd"), (.batchNorm, "fwd_eval"):
            return "y = act((x - running_mean) / sqrt(running_var + eps) w + b)"
        case (.batchNorm, "recompute"):
            return "z = act((x - save_mean) save_invstd w + b), the forward's output again"
        case (.batchNorm, "bwd"):
            return "g = dy act'(z); xhat = (x - save_mean) save_invstd; dw = sum g xhat; db = sum g (over N,H,W); "
                + "dx (+)= w save_invstd (g - db/M - xhat dw/M), M = N H W"
        case (.activation(let a), "fwd"), (.activation(let a), "fwd_eval"): return "y = \(a.formula("x"))"
        case (.activation(let a), "bwd"): return "dx (+)= dy d\(a.name)/dx, read from the output z: \(a.derivativeFormula("z"))"
        case (.add, "fwd"), (.add, "fwd_eval"): return "y = act(x0 + x1 + ...)"
        case (.add, "recompute"): return "z = act(sum of its BatchNorms' outputs), each recomputed from its input and saved statistics"
        case (.add, "bwd"): return "g = dy act'(z); each input's gradient (+)= g (an input added k times: k g)"
        case (.concat, "fwd"), (.concat, "fwd_eval"): return "y = [x0, x1, ...] along channels"
        case (.concat, _): return "dx_k (+)= dy[:, the channels of x_k]"
        case (.maxPool2d, "fwd"), (.maxPool2d, "fwd_eval"): return "y[n,c,i,j] = max over the window (padding -inf)"
        case (.maxPool2d, "bwd"): return "dx (+)= dy at the position of each window's maximum"
        case (.cosineDistance, "fwd"), (.cosineDistance, "fwd_eval"):
            return "y[n,h,w] = 1 - sum_c a b / (max(|a|, eps) max(|b|, eps)), norms over channels"
        case (.cosineDistanceFlat, "fwd"), (.cosineDistanceFlat, "fwd_eval"):
            return "y[n] = 1 - <a_n, b_n> / (max(|a_n|, eps) max(|b_n|, eps)), a_n, b_n sample n flattened"
        case (.cosineDistance, "bwd"), (.cosineDistanceFlat, "bwd"):
            return "da (+)= -dy (b / (|a| |b|) - cos a / |a|^2), db likewise with a and b swapped"
        case (.mean, "fwd"), (.mean, "fwd_eval"): return "y = sum x / count"
        case (.mean, "bwd"): return "dx (+)= dy / count"
        case (.upsampleBilinear, _):
            return "y[n,i,j] = x at (i (h-1)/(H-1), j (w-1)/(W-1)), bilinear between its 4 neighbours (align_corners)"
        case (.gaussianBlur, _):
            return "y = x * g along rows, then along columns, g[k] = exp(-k^2 / (2 sigma^2)) normalized, |k| <= radius, "
                + "reflected at the edges; the pass between in double"
        case (.maxPerSample, _): return "y[n] = max of sample n"
        default: return nil
        }
    }
}
