import DSL

/// An activation's C: its value and its gradient, for one value or a vector, whichever of
/// the family (DSL `Activation`) it is.
extension Activation {
    init?(_ op: Op) {
        guard case .activation(let a) = op else { return nil }
        self = a
    }

    /// C expression of the activation of `v`. Written so a NaN passes through, as in
    /// PyTorch: a diverging run must reach the loss as NaN, not be silenced into zeros.
    func apply(_ v: String) -> String {
        let below = negativeSlope == 0 ? "0" : "\(v) * \(slopeLiteral)"
        guard let ceiling else { return "(\(v) < 0 ? \(below) : \(v))" }
        let c = CText.number(ceiling)
        return "(\(v) < 0 ? \(below) : (\(v) > \(c) ? \(c) : \(v)))"
    }

    /// The same of the vector `v` (rdc_vact in templates/rdc_gemm.c).
    func applyVector(_ v: String) -> String {
        "rdc_vact(\(v), \(negativeSlope == 0 ? "0" : slopeLiteral), \(ceiling.map(CText.number) ?? "INFINITY"))"
    }

    /// C expression of the gradient through the activation: `dy` times its derivative at
    /// `z`, the activation's input or its output (with a slope >= 0 they have the same sign
    /// and lie on the same side of the ceiling). As PyTorch's backward, zero where the output
    /// is clamped at the ceiling, and at 0 the slope below.
    func gradient(_ dy: String, at z: String) -> String {
        let passes = ceiling.map { "\(z) < \(CText.number($0))" }
        guard negativeSlope != 0 else {
            return "(\(passes.map { "\(z) > 0 && \($0)" } ?? "\(z) > 0") ? \(dy) : 0)"
        }
        return "(\(z) > 0 ? \(passes.map { "(\($0) ? \(dy) : 0)" } ?? dy) : \(dy) * \(slopeLiteral))"
    }

    /// The activation of `x` for a kernel's comment: "max(x, 0)", "min(max(x, 0), 6)".
    func formula(_ x: String) -> String {
        let rectified = negativeSlope == 0 ? "max(\(x), 0)" : "(\(x) < 0 ? \(negativeSlope) \(x) : \(x))"
        return ceiling.map { "min(\(rectified), \(CText.number($0)))" } ?? rectified
    }

    /// Its derivative read from the output `z`, for a kernel's comment.
    func derivativeFormula(_ z: String) -> String {
        "1 where \(ceiling.map { "0 < \(z) < \(CText.number($0))" } ?? "\(z) > 0"), else \(negativeSlope == 0 ? "0" : "\(negativeSlope)")"
    }

    /// rdc_epilogue's fields of the activation (designated initializers).
    var epilogueFields: String {
        ".act = 1, .slope = \(negativeSlope == 0 ? "0" : slopeLiteral), .ceiling = \(ceiling.map(CText.number) ?? "INFINITY")"
    }

    /// The slope as the element type: float32's value in a float model, as PyTorch rounds
    /// negative_slope to the tensor's type.
    private var slopeLiteral: String { "(real)\(CText.literal(negativeSlope))f" }
}
