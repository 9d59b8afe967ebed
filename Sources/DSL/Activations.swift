public struct ReLU: UnaryLayer {
    public init() {}
    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        try g.node(.activation(.relu), [x], suffix: "relu")
    }
}

/// min(max(x, 0), 6), EfficientNet-Lite's activation.
public struct ReLU6: UnaryLayer {
    public init() {}
    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        try g.node(.activation(.relu6), [x], suffix: "relu6")
    }
}

/// nn.LeakyReLU: x below 0 times `slope`.
public struct LeakyReLU: UnaryLayer {
    public var slope: Float
    public init(_ slope: Float = 0.01) { self.slope = slope }
    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        // The gradient rule reads the slope's side of 0 from the output's sign.
        guard slope >= 0, slope.isFinite else { throw g.error("LeakyReLU slope \(slope): must be finite and >= 0") }
        return try g.node(.activation(Activation(name: "leaky_relu", negativeSlope: slope)), [x], suffix: "leaky_relu")
    }
}

/// nn.MaxPool2d (the ResNet stem's 3x3 stride-2 pool with padding 1).
public struct MaxPool: UnaryLayer {
    public var name: String?
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(_ name: String? = nil, _ kernel: Int, stride: Int, padding: Int = 0) {
        self.name = name; self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public init(_ kernel: Int, stride: Int, padding: Int = 0) {
        self.init(nil, kernel, stride: stride, padding: padding)
    }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        guard x.shape.rank == 4 else { throw g.error("maxpool expects [N,C,H,W], got \(x.shape)") }
        let attrs = PoolAttrs(kernel: [kernel, kernel], stride: [stride, stride], padding: Padding2D(padding))
        return try g.node(.maxPool2d(attrs), [x], suffix: name == nil ? "maxpool" : nil)
    }
}
