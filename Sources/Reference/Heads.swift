import DSL
import Foundation

extension Kernels {
    /// 1 - torch.nn.functional.cosine_similarity(a, b, dim=1): at each position of [N, C, H, W],
    /// 1 - <a,b> / (max(|a|, eps) * max(|b|, eps)) over channels -> [N, H, W].
    static func cosineDistance(_ a: HostTensor, _ b: HostTensor, eps: Double) -> HostTensor {
        let (n, c, hw) = (a.shape[0], a.shape[1], a.shape[2] * a.shape[3])
        var out = [Float](repeating: 0, count: n * hw)
        var dot = [Double](repeating: 0, count: hw), aa = dot, bb = dot
        for s in 0..<n {
            for i in 0..<hw { dot[i] = 0; aa[i] = 0; bb[i] = 0 }
            for ch in 0..<c {
                let base = (s * c + ch) * hw
                for i in 0..<hw {
                    let (x, y) = (Double(a.values[base + i]), Double(b.values[base + i]))
                    dot[i] += x * y; aa[i] += x * x; bb[i] += y * y
                }
            }
            for i in 0..<hw {
                out[s * hw + i] = Float(1 - dot[i] / (max(aa[i].squareRoot(), eps) * max(bb[i].squareRoot(), eps)))
            }
        }
        return HostTensor(shape: [n, a.shape[2], a.shape[3]], values: out)
    }

    /// 1 - cosine similarity of each sample's flattened tensors ([N, ...] -> [N]), as RD4AD's
    /// loss does with `a.view(N, -1)`.
    static func cosineDistanceFlat(_ a: HostTensor, _ b: HostTensor, eps: Double) -> HostTensor {
        let n = a.shape[0], size = a.count / n
        let out = (0..<n).map { s -> Float in
            var dot = 0.0, aa = 0.0, bb = 0.0
            for i in (s * size)..<((s + 1) * size) {
                let (x, y) = (Double(a.values[i]), Double(b.values[i]))
                dot += x * y; aa += x * x; bb += y * y
            }
            return Float(1 - dot / (max(aa.squareRoot(), eps) * max(bb.squareRoot(), eps)))
        }
        return HostTensor(shape: [n], values: out)
    }

    /// Mean of all elements -> a scalar (shape []).
    static func mean(_ x: HostTensor) -> HostTensor {
        let sum = x.values.reduce(0.0) { $0 + Double($1) }
        return HostTensor(shape: [], values: [Float(sum / Double(x.count))])
    }

    /// torch.nn.functional.interpolate(mode='bilinear', align_corners=True) of [N, h, w] maps
    /// to [N, height, width]: output row y samples input row y*(h-1)/(height-1) (0 when
    /// height == 1), interpolating linearly between the two neighbouring rows; same for columns.
    static func upsampleBilinear(_ x: HostTensor, height: Int, width: Int) -> HostTensor {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        // For each output coordinate: the lower source index, the upper one (clamped), and
        // the weight of the upper one.
        func taps(_ outSize: Int, _ inSize: Int) -> [(Int, Int, Double)] {
            let scale = outSize > 1 ? Double(inSize - 1) / Double(outSize - 1) : 0
            return (0..<outSize).map { o in
                let src = scale * Double(o)
                let i0 = min(Int(src), inSize - 1)
                return (i0, min(i0 + 1, inSize - 1), src - Double(i0))
            }
        }
        let rows = taps(height, h), cols = taps(width, w)
        var out = [Float](repeating: 0, count: n * height * width)
        for s in 0..<n {
            let src = s * h * w
            for (y, (y0, y1, ly)) in rows.enumerated() {
                for (xo, (x0, x1, lx)) in cols.enumerated() {
                    func at(_ r: Int, _ c: Int) -> Double { Double(x.values[src + r * w + c]) }
                    let top = (1 - lx) * at(y0, x0) + lx * at(y0, x1)
                    let bottom = (1 - lx) * at(y1, x0) + lx * at(y1, x1)
                    out[(s * height + y) * width + xo] = Float((1 - ly) * top + ly * bottom)
                }
            }
        }
        return HostTensor(shape: [n, height, width], values: out)
    }

    /// scipy.ndimage.gaussian_filter(map, sigma, mode='reflect', truncate) on each sample of
    /// [N, H, W]: 1-D passes along H, then along W, with weights exp(-x^2 / (2 sigma^2))
    /// normalized to sum 1 over x in -r...r, r = Int(truncate * sigma + 0.5).
    static func gaussianBlur(_ x: HostTensor, sigma: Double, truncate: Double) -> HostTensor {
        let (n, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        let weights = Op.gaussianWeights(sigma: sigma, truncate: truncate)
        let r = weights.count / 2
        var out = [Float](repeating: 0, count: x.count)
        var line = [Double](), filtered = [Double](repeating: 0, count: h * w)
        for s in 0..<n {
            let base = s * h * w
            // Along H (axis 0 of the 2-D map), for each column.
            for col in 0..<w {
                line = (0..<h).map { Double(x.values[base + $0 * w + col]) }
                for row in 0..<h {
                    var sum = 0.0
                    for k in -r...r { sum += weights[k + r] * line[reflect(row + k, h)] }
                    filtered[row * w + col] = sum
                }
            }
            // Along W, for each row.
            for row in 0..<h {
                line = Array(filtered[(row * w)..<((row + 1) * w)])
                for col in 0..<w {
                    var sum = 0.0
                    for k in -r...r { sum += weights[k + r] * line[reflect(col + k, w)] }
                    out[base + row * w + col] = Float(sum)
                }
            }
        }
        return HostTensor(shape: x.shape, values: out)
    }

    /// scipy's 'reflect' boundary (d c b a | a b c d | d c b a ...): the index into a line of
    /// `n` values for position `i`, reflecting as often as needed (the kernel may be wider
    /// than the line), i.e. periodic with period 2n.
    public static func reflect(_ i: Int, _ n: Int) -> Int {
        let m = ((i % (2 * n)) + 2 * n) % (2 * n)
        return m < n ? m : 2 * n - 1 - m
    }

    /// The maximum of each sample: [N, ...] -> [N].
    static func maxPerSample(_ x: HostTensor) -> HostTensor {
        let n = x.shape[0], size = x.count / n
        return HostTensor(shape: [n], values: (0..<n).map { s in
            x.values[(s * size)..<((s + 1) * size)].max()!
        })
    }
}
