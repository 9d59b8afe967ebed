/// How a 2-D window op pads its input.
public enum PaddingRule: Sendable {
    /// k/2 on every side: PyTorch's choice in ResNet (3x3 -> 1, 7x7 -> 3, 1x1 -> 0).
    case half
    case explicit(Int)
    /// TensorFlow "SAME": total = max((ceil(i/s)-1)*s + k - i, 0), floor(total/2) before,
    /// the rest after (EfficientNet-Lite's Conv2dStaticSamePadding).
    case tfSame

    func resolve(input: (h: Int, w: Int), kernel: [Int], stride: [Int]) -> Padding2D {
        switch self {
        case .half: return Padding2D(top: kernel[0] / 2, left: kernel[1] / 2,
                                     bottom: kernel[0] / 2, right: kernel[1] / 2)
        case .explicit(let p): return Padding2D(p)
        case .tfSame:
            func split(_ i: Int, _ k: Int, _ s: Int) -> (Int, Int) {
                let out = (i + s - 1) / s
                let total = max((out - 1) * s + k - i, 0)
                return (total / 2, total - total / 2)
            }
            let (t, b) = split(input.h, kernel[0], stride[0])
            let (l, r) = split(input.w, kernel[1], stride[1])
            return Padding2D(top: t, left: l, bottom: b, right: r)
        }
    }
}
