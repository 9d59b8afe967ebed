import DSL
import Dispatch

struct BatchNormParameters {
    var weight, bias, runningMean, runningVar: HostTensor
    var eps, momentum: Double
}

extension Kernels {
    /// Eval-mode BatchNorm2d: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias.
    static func batchNormEval(_ x: HostTensor, _ p: BatchNormParameters) -> HostTensor {
        let c = x.shape[1]
        let mean = p.runningMean.values.map(Double.init), variance = p.runningVar.values.map(Double.init)
        return normalize(x, mean: mean, variance: variance, p, channels: c)
    }

    /// Train-mode BatchNorm2d: normalizes with the batch mean and biased variance of each
    /// channel over N, H, W; returns the running statistics updated with momentum, the variance
    /// unbiased (times n/(n-1), n = N*H*W), as PyTorch does.
    static func batchNormTrain(_ x: HostTensor, _ p: BatchNormParameters)
        -> (output: HostTensor, runningMean: HostTensor, runningVar: HostTensor) {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let count = Double(n * hw)
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        x.values.withUnsafeBufferPointer { xs in
            for ch in 0..<c {
                var sum = 0.0
                for b in 0..<n {
                    let plane = xs.baseAddress! + (b * c + ch) * hw
                    for i in 0..<hw { sum += Double(plane[i]) }
                }
                let m = sum / count
                var squares = 0.0
                for b in 0..<n {
                    let plane = xs.baseAddress! + (b * c + ch) * hw
                    for i in 0..<hw { let d = Double(plane[i]) - m; squares += d * d }
                }
                mean[ch] = m
                variance[ch] = squares / count
            }
        }
        let output = normalize(x, mean: mean, variance: variance, p, channels: c)
        let m = p.momentum
        let runningMean = (0..<c).map { Float((1 - m) * Double(p.runningMean.values[$0]) + m * mean[$0]) }
        let runningVar = (0..<c).map {
            Float((1 - m) * Double(p.runningVar.values[$0]) + m * variance[$0] * count / (count - 1))
        }
        return (output, HostTensor(shape: [c], values: runningMean), HostTensor(shape: [c], values: runningVar))
    }

    private static func normalize(_ x: HostTensor, mean: [Double], variance: [Double],
                                  _ p: BatchNormParameters, channels c: Int) -> HostTensor {
        let hw = x.shape[2] * x.shape[3]
        var out = x.values
        for i in 0..<(x.count / hw) {
            let ch = i % c
            let scale = Double(p.weight.values[ch]) / (variance[ch] + p.eps).squareRoot()
            let shift = Double(p.bias.values[ch])
            for j in (i * hw)..<((i + 1) * hw) {
                out[j] = Float((Double(out[j]) - mean[ch]) * scale + shift)
            }
        }
        return HostTensor(shape: x.shape, values: out)
    }

    /// Elementwise activation.
    static func map(_ x: HostTensor, _ f: (Float) -> Float) -> HostTensor {
        HostTensor(shape: x.shape, values: x.values.map(f))
    }

    /// torch.nn.functional.max_pool2d (ceil_mode=False): the maximum over each window, padded
    /// positions counting as -infinity (so they never win).
    static func maxPool2d(_ x: HostTensor, attrs a: PoolAttrs) -> HostTensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, sh, sw) = (a.kernel[0], a.kernel[1], a.stride[0], a.stride[1])
        let (top, left) = (a.padding.top, a.padding.left)
        let oh = (h + a.padding.top + a.padding.bottom - kh) / sh + 1
        let ow = (w + a.padding.left + a.padding.right - kw) / sw + 1
        var out = [Float](repeating: 0, count: n * c * oh * ow)
        for plane in 0..<(n * c) {
            let src = plane * h * w, dst = plane * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    for ky in 0..<kh {
                        let iy = oy * sh + ky - top
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<kw {
                            let ix = ox * sw + kx - left
                            if ix < 0 || ix >= w { continue }
                            let v = x.values[src + iy * w + ix]
                            if v > best || v.isNaN { best = v }
                        }
                    }
                    out[dst + oy * ow + ox] = best
                }
            }
        }
        return HostTensor(shape: [n, c, oh, ow], values: out)
    }

    /// Elementwise sum of tensors of one shape (summed in Double, rounded once).
    static func add(_ xs: [HostTensor]) -> HostTensor {
        var out = [Float](repeating: 0, count: xs[0].count)
        for i in out.indices {
            var sum = 0.0
            for x in xs { sum += Double(x.values[i]) }
            out[i] = Float(sum)
        }
        return HostTensor(shape: xs[0].shape, values: out)
    }

    /// torch.cat(dim=1) of [N, Ci, H, W] tensors.
    static func concat(_ xs: [HostTensor]) -> HostTensor {
        let n = xs[0].shape[0], hw = xs[0].shape[2] * xs[0].shape[3]
        let channels = xs.map { $0.shape[1] }.reduce(0, +)
        var out: [Float] = []
        out.reserveCapacity(n * channels * hw)
        for b in 0..<n {
            for x in xs {
                let size = x.shape[1] * hw
                out.append(contentsOf: x.values[(b * size)..<((b + 1) * size)])
            }
        }
        return HostTensor(shape: [n, channels, xs[0].shape[2], xs[0].shape[3]], values: out)
    }
}
