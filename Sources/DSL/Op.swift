/// Padding of a 2-D window op, resolved to explicit amounts per side (TensorFlow "SAME"
/// padding is asymmetric, so four numbers are needed).
public struct Padding2D: Codable, Hashable, Sendable, CustomStringConvertible {
    public var top, left, bottom, right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        (self.top, self.left, self.bottom, self.right) = (top, left, bottom, right)
    }
    public init(_ p: Int) { self.init(top: p, left: p, bottom: p, right: p) }

    public var isSymmetric: Bool { top == bottom && left == right && top == left }
    public var description: String { isSymmetric ? "\(top)" : "(\(top),\(left),\(bottom),\(right))" }
}

public struct ConvAttrs: Codable, Hashable, Sendable {
    public var outChannels: Int
    public var inChannels: Int
    public var kernel: [Int]      // [kh, kw]
    public var stride: [Int]      // [sh, sw]
    public var padding: Padding2D
    public var groups: Int
    public var bias: Bool

    public init(outChannels: Int, inChannels: Int, kernel: [Int], stride: [Int],
                padding: Padding2D, groups: Int, bias: Bool) {
        self.outChannels = outChannels; self.inChannels = inChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.groups = groups; self.bias = bias
    }

    /// PyTorch layout [out, in/groups, kh, kw].
    public var weightShape: [Int] { [outChannels, inChannels / groups, kernel[0], kernel[1]] }
}

/// ConvTranspose2d without padding (the decoder's 2x2 stride-2 upsampling).
public struct ConvTransposeAttrs: Codable, Hashable, Sendable {
    public var outChannels: Int
    public var inChannels: Int
    public var kernel: [Int]
    public var stride: [Int]
    public var bias: Bool

    public init(outChannels: Int, inChannels: Int, kernel: [Int], stride: [Int], bias: Bool) {
        self.outChannels = outChannels; self.inChannels = inChannels
        self.kernel = kernel; self.stride = stride; self.bias = bias
    }

    /// PyTorch layout [in, out, kh, kw].
    public var weightShape: [Int] { [inChannels, outChannels, kernel[0], kernel[1]] }
}

public struct BatchNormAttrs: Codable, Hashable, Sendable {
    public var channels: Int
    public var eps: Float
    public var momentum: Float
    public init(channels: Int, eps: Float, momentum: Float) {
        self.channels = channels; self.eps = eps; self.momentum = momentum
    }
}

public struct PoolAttrs: Codable, Hashable, Sendable {
    public var kernel: [Int]
    public var stride: [Int]
    public var padding: Padding2D
    public init(kernel: [Int], stride: [Int], padding: Padding2D) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }
}

/// The primitive ops of an rdc graph. Everything a model says is built from these.
/// Shapes of inputs and outputs are on the nodes; each case documents its contract.
public enum Op: Codable, Hashable, Sendable {
    /// The image batch [N, 3, H, W]. No inputs.
    case input
    /// x [N, Cin, H, W] -> [N, Cout, H', W']; params: weight [Cout, Cin/g, kh, kw], bias [Cout] if attrs.bias.
    case conv2d(ConvAttrs)
    /// x [N, Cin, H, W] -> [N, Cout, (H-1)*s+k, (W-1)*s+k]; params: weight [Cin, Cout, kh, kw], bias if any.
    case convTranspose2d(ConvTransposeAttrs)
    /// x [N, C, H, W] -> same; params: weight, bias, running_mean, running_var (each [C]).
    /// Training mode normalizes with biased batch statistics and updates the running ones
    /// (unbiased variance, momentum); eval mode uses the running statistics.
    case batchNorm(BatchNormAttrs)
    /// x -> same: a pointwise activation (ReLU, ReLU6, LeakyReLU: `Activation`).
    case activation(Activation)
    /// Max over the window; padding counts as -infinity.
    case maxPool2d(PoolAttrs)
    /// Elementwise sum of two or more inputs of one shape.
    case add
    /// Concatenation along channels (dim 1); all other dims equal.
    case concat
    /// (a, b) [N, C, H, W] -> [N, H, W]: 1 - cos over channels at each position
    /// (cos = <a,b> / (max(|a|,eps) * max(|b|,eps)), as torch.nn.functional.cosine_similarity).
    case cosineDistance(eps: Float)
    /// (a, b) [N, ...] -> [N]: 1 - cos of each sample's flattened tensors.
    case cosineDistanceFlat(eps: Float)
    /// x -> []: mean of all elements.
    case mean
    /// x [N, h, w] -> [N, H, W]: bilinear, align_corners=True.
    case upsampleBilinear(height: Int, width: Int)
    /// x [N, H, W] -> same: 2-D Gaussian per sample, separable, boundary 'reflect'
    /// (d c b a | a b c d), kernel radius = Int(truncate * sigma + 0.5) as scipy.ndimage.
    case gaussianBlur(sigma: Double, truncate: Double)
    /// x [N, ...] -> [N]: maximum of each sample.
    case maxPerSample

    /// Short name used in tables and kernel names.
    public var kind: String {
        switch self {
        case .input: return "input"
        case .conv2d(let a): return a.groups == 1 ? "conv2d" : (a.groups == a.inChannels ? "dwconv2d" : "gconv2d")
        case .convTranspose2d: return "convT2d"
        case .batchNorm: return "batchnorm"
        case .activation(let a): return a.name
        case .maxPool2d: return "maxpool"
        case .add: return "add"
        case .concat: return "concat"
        case .cosineDistance: return "cosdist"
        case .cosineDistanceFlat: return "cosdist_flat"
        case .mean: return "mean"
        case .upsampleBilinear: return "upsample"
        case .gaussianBlur: return "gaussian"
        case .maxPerSample: return "max"
        }
    }
}
