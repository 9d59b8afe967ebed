/// A pointwise activation of the one family rdc knows: the identity from 0 up to `ceiling`
/// (where there is one, clamped there), `negativeSlope` times the input below 0. ReLU,
/// ReLU6 and LeakyReLU are all of it, so the compiler has one C form, one gradient rule and
/// one GEMM epilogue for every activation, and a new one is a layer in Activations.swift.
public struct Activation: Codable, Hashable, Sendable {
    /// The op's kind in tables and kernel names: "relu", "relu6", "leaky_relu".
    public var name: String
    /// Below 0: y = negativeSlope * x (0 for ReLU). Not negative, so that the output's sign
    /// tells the input's, which the gradient rule reads.
    public var negativeSlope: Float
    /// Above it: y = ceiling (6 for ReLU6).
    public var ceiling: Float?

    public init(name: String, negativeSlope: Float = 0, ceiling: Float? = nil) {
        self.name = name; self.negativeSlope = negativeSlope; self.ceiling = ceiling
    }

    public static let relu = Activation(name: "relu")
    public static let relu6 = Activation(name: "relu6", ceiling: 6)

    /// y of x. A NaN passes through, as in PyTorch (every comparison with it is false).
    public func callAsFunction(_ x: Float) -> Float {
        let y = x < 0 ? (negativeSlope == 0 ? 0 : x * negativeSlope) : x
        if let ceiling, y > ceiling { return ceiling }
        return y
    }

    /// dy/dx at the output z, as PyTorch's backward: 0 where the output is clamped at the
    /// ceiling (hardtanh) and, at x = 0, the slope below (threshold, leaky_relu).
    public func derivative(atOutput z: Float) -> Float {
        if z > 0 { return ceiling.map { z < $0 ? 1 : 0 } ?? 1 }
        return negativeSlope
    }
}
