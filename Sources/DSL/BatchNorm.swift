/// nn.BatchNorm2d with its four tensors and the int64 batch counter of PyTorch's state_dict.
public struct BatchNorm: UnaryLayer {
    public var name: String?
    public var eps: Float
    public var momentum: Float
    public var channels: Int?

    public init(_ name: String? = nil, eps: Float = 1e-5, momentum: Float = 0.1, channels: Int? = nil) {
        self.name = name; self.eps = eps; self.momentum = momentum; self.channels = channels
    }

    public func build(_ x: TensorRef, in g: GraphContext) throws -> TensorRef {
        guard x.shape.rank == 4 else { throw g.error("batchnorm expects [N,C,H,W], got \(x.shape)") }
        let c = x.shape.c
        if let channels, channels != c {
            throw g.error("batchnorm has \(channels) channels, input \(x.shape) has \(c)")
        }
        let params = try [ParameterKind.weight, .bias, .runningMean, .runningVar].map {
            try g.parameter($0, Shape(c))
        }
        try g.parameter(.batchCounter, Shape([]))
        return try g.node(.batchNorm(BatchNormAttrs(channels: c, eps: eps, momentum: momentum)), [x], params: params)
    }
}
