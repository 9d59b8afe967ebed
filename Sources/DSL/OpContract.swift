import Foundation

/// What an op needs and makes, in one place per op: how many inputs it takes, the shapes of
/// the parameters it reads, the output shape it makes of its input shapes, and its forward
/// FLOPs. The DSL's layers, the compiler's shape check, the reference executor and the cost
/// table all read it here.
public struct OpContract: Sendable {
    /// How many inputs the op takes.
    public var inputs: ClosedRange<Int>
    /// The parameters it reads, in the order of `Node.params`.
    public var parameters: [(kind: ParameterKind, shape: [Int])]
    /// The output shape of these input shapes (arity already checked); throws where they do
    /// not fit the op. nil for the input node, whose shape is its own.
    let shape: @Sendable ([[Int]]) throws(ShapeRuleError) -> [Int]?
    /// Forward FLOPs (a multiply-add counts two) for these input shapes and output shape.
    let flops: @Sendable ([[Int]], [Int]) -> Int
}

/// Why input shapes do not fit an op.
public struct ShapeRuleError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Op {
    /// The shape this op makes of these input shapes (nil for `.input`).
    public func outputShape(_ inputs: [[Int]]) throws(ShapeRuleError) -> [Int]? {
        let c = contract
        guard c.inputs.contains(inputs.count) else {
            let wanted = c.inputs.upperBound == Int.max ? "at least \(c.inputs.lowerBound)"
                : c.inputs.count == 1 ? "\(c.inputs.lowerBound)" : "\(c.inputs.lowerBound)...\(c.inputs.upperBound)"
            throw ShapeRuleError("takes \(wanted) input(s), has \(inputs.count)")
        }
        return try c.shape(inputs)
    }

    /// Forward FLOPs of this op on these input shapes, making `output`.
    public func flops(_ inputs: [[Int]], output: [Int]) -> Int { contract.flops(inputs, output) }

    /// Each op's contract. Window sizes follow nn.Conv2d / nn.MaxPool2d (floor division).
    public var contract: OpContract {
        switch self {
        case .input:
            return OpContract(inputs: 0...0, parameters: [], shape: { _ in nil }, flops: { _, _ in 0 })

        case .conv2d(let a):
            return OpContract(
                inputs: 1...1, parameters: [(.weight, a.weightShape)] + (a.bias ? [(.bias, [a.outChannels])] : []),
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 4 && x[0][1] == a.inChannels, "expects [N,\(a.inChannels),H,W], got \(Shape(x[0]))")
                    try need(a.groups >= 1 && a.inChannels % a.groups == 0 && a.outChannels % a.groups == 0,
                             "\(a.groups) groups do not divide \(a.inChannels) -> \(a.outChannels) channels")
                    return [x[0][0], a.outChannels] + (try windows(x[0], a.kernel, a.stride, a.padding))
                },
                flops: { _, y in count(y) * (2 * (a.inChannels / max(a.groups, 1)) * a.kernel[0] * a.kernel[1] + (a.bias ? 1 : 0)) })

        case .convTranspose2d(let a):
            return OpContract(
                inputs: 1...1, parameters: [(.weight, a.weightShape)] + (a.bias ? [(.bias, [a.outChannels])] : []),
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 4 && x[0][1] == a.inChannels, "expects [N,\(a.inChannels),H,W], got \(Shape(x[0]))")
                    try need(a.kernel.count == 2 && a.stride.count == 2 && (a.kernel + a.stride).allSatisfy { $0 >= 1 },
                             "kernel \(a.kernel) and stride \(a.stride) must be 2-D and positive")
                    return [x[0][0], a.outChannels, (x[0][2] - 1) * a.stride[0] + a.kernel[0], (x[0][3] - 1) * a.stride[1] + a.kernel[1]]
                },
                // Every input position scatters Cin x Cout x kh x kw multiply-adds.
                flops: { x, _ in count(x[0]) * 2 * a.outChannels * a.kernel[0] * a.kernel[1] })

        case .batchNorm(let a):
            return OpContract(
                inputs: 1...1, parameters: [ParameterKind.weight, .bias, .runningMean, .runningVar].map { ($0, [a.channels]) },
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 4 && x[0][1] == a.channels, "expects [N,\(a.channels),H,W], got \(Shape(x[0]))")
                    return x[0]
                },
                flops: { _, y in 2 * count(y) })

        case .activation:
            return OpContract(inputs: 1...1, parameters: [], shape: { x in x[0] }, flops: { _, y in count(y) })

        case .maxPool2d(let a):
            return OpContract(
                inputs: 1...1, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 4, "expects [N,C,H,W], got \(Shape(x[0]))")
                    let p = a.padding
                    try need(p.top < a.kernel[0] && p.bottom < a.kernel[0] && p.left < a.kernel[1] && p.right < a.kernel[1],
                             "padding \(p) leaves windows with nothing but padding (kernel \(a.kernel))")
                    return [x[0][0], x[0][1]] + (try windows(x[0], a.kernel, a.stride, p))
                },
                flops: { _, y in count(y) * a.kernel[0] * a.kernel[1] })

        case .add:
            return OpContract(
                inputs: 1...Int.max, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x.allSatisfy { $0 == x[0] }, "adds tensors of different shapes \(x.map { Shape($0).description }.joined(separator: ", "))")
                    return x[0]
                },
                flops: { x, y in count(y) * max(x.count - 1, 1) })

        case .concat:
            return OpContract(
                inputs: 1...Int.max, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x.allSatisfy { $0.count == 4 && $0[0] == x[0][0] && $0[2] == x[0][2] && $0[3] == x[0][3] },
                             "concatenates \(x.map { Shape($0).description }.joined(separator: ", ")): all but channels must agree")
                    return [x[0][0], x.map { $0[1] }.reduce(0, +), x[0][2], x[0][3]]
                },
                flops: { _, _ in 0 })

        case .cosineDistance:
            return OpContract(
                inputs: 2...2, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x[0] == x[1] && x[0].count == 4, "compares \(Shape(x[0])) with \(Shape(x[1])): two [N,C,H,W] of one shape")
                    return [x[0][0], x[0][2], x[0][3]]
                },
                // A dot product and two squared norms over channels, then the division.
                flops: { x, _ in 6 * count(x[0]) })

        case .cosineDistanceFlat:
            return OpContract(
                inputs: 2...2, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x[0] == x[1] && !x[0].isEmpty, "compares \(Shape(x[0])) with \(Shape(x[1])): two [N,...] of one shape")
                    return [x[0][0]]
                },
                flops: { x, _ in 6 * count(x[0]) })

        case .mean:
            return OpContract(
                inputs: 1...1, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(count(x[0]) > 0, "mean of an empty tensor \(Shape(x[0]))")
                    return []
                },
                flops: { x, _ in count(x[0]) })

        case .upsampleBilinear(let height, let width):
            return OpContract(
                inputs: 1...1, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 3 && x[0][1] >= 1 && x[0][2] >= 1 && height >= 1 && width >= 1,
                             "expects [N,h,w] and a positive size, got \(Shape(x[0])) -> \(height)x\(width)")
                    return [x[0][0], height, width]
                },
                // Four taps, each a multiply-add.
                flops: { _, y in 8 * count(y) })

        case .gaussianBlur(let sigma, let truncate):
            return OpContract(
                inputs: 1...1, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(x[0].count == 3, "expects [N,H,W], got \(Shape(x[0]))")
                    try need(sigma > 0 && truncate >= 0, "sigma \(sigma) and truncate \(truncate) must be positive")
                    return x[0]
                },
                // Two separable passes of 2r+1 multiply-adds per output.
                flops: { _, y in count(y) * 2 * 2 * (2 * Op.gaussianRadius(sigma: sigma, truncate: truncate) + 1) })

        case .maxPerSample:
            return OpContract(
                inputs: 1...1, parameters: [],
                shape: { x throws(ShapeRuleError) in
                    try need(!x[0].isEmpty && count(x[0]) > 0, "expects a non-empty [N,...], got \(Shape(x[0]))")
                    return [x[0][0]]
                },
                flops: { x, _ in count(x[0]) })
        }
    }

    /// The Gaussian's kernel radius, as scipy.ndimage: Int(truncate * sigma + 0.5).
    public static func gaussianRadius(sigma: Double, truncate: Double) -> Int { Int(truncate * sigma + 0.5) }

    /// The Gaussian's normalized 1-D weights for offsets -radius...radius, as scipy.ndimage's
    /// `_gaussian_kernel1d` (order 0): exp(-k^2 / (2 sigma^2)) over their sum.
    public static func gaussianWeights(sigma: Double, truncate: Double) -> [Double] {
        let r = gaussianRadius(sigma: sigma, truncate: truncate)
        let raw = (-r...r).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { $0 / total }
    }
}

private func need(_ ok: Bool, _ why: @autoclosure () -> String) throws(ShapeRuleError) {
    if !ok { throw ShapeRuleError(why()) }
}

/// Elements of a shape; shapes reaching a FLOP count have passed the shape rule.
private func count(_ dims: [Int]) -> Int { dims.reduce(1, *) }

/// Output height and width of a 2-D window op on x [N, C, H, W].
private func windows(_ x: [Int], _ kernel: [Int], _ stride: [Int], _ p: Padding2D) throws(ShapeRuleError) -> [Int] {
    try need(kernel.count == 2 && stride.count == 2 && (kernel + stride).allSatisfy { $0 >= 1 },
             "kernel \(kernel) and stride \(stride) must be 2-D and positive")
    try need(p.top >= 0 && p.left >= 0 && p.bottom >= 0 && p.right >= 0, "negative padding \(p)")
    try need(x[2] + p.top + p.bottom >= kernel[0] && x[3] + p.left + p.right >= kernel[1],
             "input \(Shape(x)) padded by \(p) is smaller than the \(kernel[0])x\(kernel[1]) window")
    return [(x[2] + p.top + p.bottom - kernel[0]) / stride[0] + 1, (x[3] + p.left + p.right - kernel[1]) / stride[1] + 1]
}
