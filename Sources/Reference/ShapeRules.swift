import DSL

struct ShapeProblem: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

/// The output shape each op makes of its input shapes, per the contracts in `Op`; the
/// executor checks every node's declared shape against it before running anything.
enum ShapeRules {
    static func outputShape(of op: Op, inputs: [[Int]]) -> Result<[Int], ShapeProblem> {
        func fail(_ s: String) -> Result<[Int], ShapeProblem> { .failure(ShapeProblem(s)) }
        func describe(_ s: [Int]) -> String { Shape(s).description }
        let arity: ClosedRange<Int>
        switch op {
        case .input: arity = 0...0
        case .add: arity = 1...Int.max
        case .concat: arity = 1...Int.max
        case .cosineDistance, .cosineDistanceFlat: arity = 2...2
        default: arity = 1...1
        }
        guard arity.contains(inputs.count) else {
            return fail("takes \(arity.upperBound == Int.max ? "at least \(arity.lowerBound)" : "\(arity.lowerBound)") input(s), got \(inputs.count)")
        }
        let x = inputs.first ?? []
        switch op {
        case .input:
            return .success([])
        case .conv2d(let a):
            guard x.count == 4 else { return fail("expects [N,C,H,W], got \(describe(x))") }
            guard x[1] == a.inChannels else { return fail("expects \(a.inChannels) input channels, got \(describe(x))") }
            guard a.groups >= 1, a.inChannels % a.groups == 0, a.outChannels % a.groups == 0 else {
                return fail("\(a.groups) groups do not divide \(a.inChannels) -> \(a.outChannels) channels")
            }
            guard a.kernel.count == 2, a.stride.count == 2, a.stride.allSatisfy({ $0 >= 1 }) else {
                return fail("kernel \(a.kernel) / stride \(a.stride) must be 2-D and positive")
            }
            let p = a.padding
            guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else { return fail("negative padding \(p)") }
            let oh = (x[2] + p.top + p.bottom - a.kernel[0]) / a.stride[0] + 1
            let ow = (x[3] + p.left + p.right - a.kernel[1]) / a.stride[1] + 1
            guard x[2] + p.top + p.bottom >= a.kernel[0], x[3] + p.left + p.right >= a.kernel[1] else {
                return fail("input \(describe(x)) padded by \(p) is smaller than the \(a.kernel) kernel")
            }
            return .success([x[0], a.outChannels, oh, ow])
        case .convTranspose2d(let a):
            guard x.count == 4 else { return fail("expects [N,C,H,W], got \(describe(x))") }
            guard x[1] == a.inChannels else { return fail("expects \(a.inChannels) input channels, got \(describe(x))") }
            guard a.kernel.count == 2, a.stride.count == 2, a.stride.allSatisfy({ $0 >= 1 }) else {
                return fail("kernel \(a.kernel) / stride \(a.stride) must be 2-D and positive")
            }
            return .success([x[0], a.outChannels, (x[2] - 1) * a.stride[0] + a.kernel[0],
                             (x[3] - 1) * a.stride[1] + a.kernel[1]])
        case .batchNorm(let a):
            guard x.count == 4, x[1] == a.channels else {
                return fail("expects [N,\(a.channels),H,W], got \(describe(x))")
            }
            return .success(x)
        case .relu, .relu6:
            return .success(x)
        case .maxPool2d(let a):
            guard x.count == 4 else { return fail("expects [N,C,H,W], got \(describe(x))") }
            let p = a.padding
            guard x[2] + p.top + p.bottom >= a.kernel[0], x[3] + p.left + p.right >= a.kernel[1] else {
                return fail("input \(describe(x)) padded by \(p) is smaller than the \(a.kernel) window")
            }
            guard p.top < a.kernel[0], p.bottom < a.kernel[0], p.left < a.kernel[1], p.right < a.kernel[1] else {
                return fail("padding \(p) leaves windows with nothing but padding (kernel \(a.kernel))")
            }
            return .success([x[0], x[1], (x[2] + p.top + p.bottom - a.kernel[0]) / a.stride[0] + 1,
                             (x[3] + p.left + p.right - a.kernel[1]) / a.stride[1] + 1])
        case .add:
            for s in inputs where s != x {
                return fail("all inputs must have one shape: \(inputs.map(describe).joined(separator: ", "))")
            }
            return .success(x)
        case .concat:
            for s in inputs where s.count != 4 || s[0] != x[0] || s[2] != x[2] || s[3] != x[3] {
                return fail("inputs must be [N,C,H,W] agreeing in all but C: \(inputs.map(describe).joined(separator: ", "))")
            }
            return .success([x[0], inputs.map { $0[1] }.reduce(0, +), x[2], x[3]])
        case .cosineDistance:
            guard x.count == 4, inputs[1] == x else {
                return fail("expects two [N,C,H,W] of one shape, got \(describe(x)), \(describe(inputs[1]))")
            }
            return .success([x[0], x[2], x[3]])
        case .cosineDistanceFlat:
            guard x.count >= 1, inputs[1] == x else {
                return fail("expects two [N,...] of one shape, got \(describe(x)), \(describe(inputs[1]))")
            }
            return .success([x[0]])
        case .mean:
            guard x.reduce(1, *) > 0 else { return fail("mean of an empty tensor \(describe(x))") }
            return .success([])
        case .upsampleBilinear(let height, let width):
            guard x.count == 3, x[1] >= 1, x[2] >= 1, height >= 1, width >= 1 else {
                return fail("expects [N,h,w] and a positive size, got \(describe(x)) -> \(height)x\(width)")
            }
            return .success([x[0], height, width])
        case .gaussianBlur(let sigma, let truncate):
            guard x.count == 3 else { return fail("expects [N,H,W], got \(describe(x))") }
            guard sigma > 0, truncate >= 0 else { return fail("sigma \(sigma) and truncate \(truncate) must be positive") }
            return .success(x)
        case .maxPerSample:
            guard x.count >= 1, x.reduce(1, *) > 0 else { return fail("expects a non-empty [N,...], got \(describe(x))") }
            return .success([x[0]])
        }
    }
}
