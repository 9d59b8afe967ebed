/// nn.Conv2d. Input channels come from the incoming tensor; give `inChannels` to have
/// them checked, or where nothing flows in (inside `Unused`).
public struct Conv: UnaryLayer {
    public var name: String?
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: PaddingRule
    public var groups: Groups
    public var bias: Bool
    public var inChannels: Int?

    public enum Groups: Sendable {
        case count(Int)
        /// One group per input channel (depthwise).
        case depthwise
    }

    public init(_ name: String? = nil, _ outChannels: Int, _ kernel: Int, stride: Int = 1,
                padding: PaddingRule = .half, groups: Groups = .count(1), bias: Bool = false,
                inChannels: Int? = nil) {
        self.name = name; self.outChannels = outChannels; self.kernel = kernel; self.stride = stride
        self.padding = padding; self.groups = groups; self.bias = bias; self.inChannels = inChannels
    }

    /// An unnamed conv, named by its index inside a `Sequential`.
    public init(_ outChannels: Int, _ kernel: Int, stride: Int = 1, padding: PaddingRule = .half,
                groups: Groups = .count(1), bias: Bool = false, inChannels: Int? = nil) {
        self.init(nil, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: bias,
                  inChannels: inChannels)
    }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        guard x.shape.rank == 4 else { throw g.error("conv2d expects [N,C,H,W], got \(x.shape)") }
        // Inside `Unused` nothing really flows in; a declared input width wins.
        let cin = g.isDeclaringOnly ? (inChannels ?? x.shape.c) : x.shape.c
        if let inChannels, inChannels != cin {
            throw g.error("conv2d expects \(inChannels) input channels, got \(cin) (input \(x.shape))")
        }
        try checkPositive(in: g, "conv2d", channels: (cin, outChannels), kernel: kernel, stride: stride)
        let groupCount: Int
        switch groups {
        case .count(let n): groupCount = n
        case .depthwise: groupCount = cin
        }
        guard groupCount >= 1 else { throw g.error("conv2d: \(groupCount) groups; groups must be positive") }
        guard cin % groupCount == 0, outChannels % groupCount == 0 else {
            throw g.error("conv2d: \(groupCount) groups do not divide \(cin) -> \(outChannels) channels")
        }
        let pad = padding.resolve(input: (x.shape.h, x.shape.w), kernel: [kernel, kernel], stride: [stride, stride])
        let attrs = ConvAttrs(outChannels: outChannels, inChannels: cin, kernel: [kernel, kernel],
                              stride: [stride, stride], padding: pad, groups: groupCount, bias: bias)
        var params = [try g.parameter(.weight, Shape(attrs.weightShape))]
        if bias { params.append(try g.parameter(.bias, Shape(outChannels))) }
        // Inside `Unused` the declared input width stands for the one that does not flow in.
        let input = TensorRef(node: x.node, shape: Shape(x.shape.n, cin, x.shape.h, x.shape.w))
        return try g.node(.conv2d(attrs), [input], params: params)
    }
}

/// nn.ConvTranspose2d without padding; the decoder's 2x2 stride-2 upsampling by default.
public struct ConvTranspose: UnaryLayer {
    public var name: String?
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var bias: Bool
    public var inChannels: Int?

    public init(_ name: String? = nil, _ outChannels: Int, _ kernel: Int = 2, stride: Int = 2, bias: Bool = false,
                inChannels: Int? = nil) {
        self.name = name; self.outChannels = outChannels; self.kernel = kernel; self.stride = stride; self.bias = bias
        self.inChannels = inChannels
    }

    public init(_ outChannels: Int, _ kernel: Int = 2, stride: Int = 2, bias: Bool = false, inChannels: Int? = nil) {
        self.init(nil, outChannels, kernel, stride: stride, bias: bias, inChannels: inChannels)
    }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        guard x.shape.rank == 4 else { throw g.error("convT2d expects [N,C,H,W], got \(x.shape)") }
        if let inChannels, inChannels != x.shape.c {
            throw g.error("convT2d expects \(inChannels) input channels, got \(x.shape.c) (input \(x.shape))")
        }
        try checkPositive(in: g, "convT2d", channels: (x.shape.c, outChannels), kernel: kernel, stride: stride)
        let attrs = ConvTransposeAttrs(outChannels: outChannels, inChannels: x.shape.c,
                                       kernel: [kernel, kernel], stride: [stride, stride], bias: bias)
        var params = [try g.parameter(.weight, Shape(attrs.weightShape))]
        if bias { params.append(try g.parameter(.bias, Shape(outChannels))) }
        return try g.node(.convTranspose2d(attrs), [x], params: params)
    }
}

/// Channel counts, kernel and stride of a convolution must be positive: a zero here (a
/// `planes: 0`, a width divisor larger than a channel count) would divide by zero later.
private func checkPositive(in g: GraphContext, _ op: String, channels: (input: Int, output: Int), kernel: Int,
                           stride: Int) throws {
    guard channels.input >= 1, channels.output >= 1 else {
        throw g.error("\(op): \(channels.input) -> \(channels.output) channels; channel counts must be positive")
    }
    guard kernel >= 1, stride >= 1 else {
        throw g.error("\(op): kernel \(kernel), stride \(stride); both must be positive")
    }
}
