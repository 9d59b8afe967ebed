/// Work of one node's forward pass. FLOPs count a multiply-add as two.
public struct NodeCost: Sendable {
    public var parameters: Int
    public var flops: Int
}

extension Graph {
    public func cost(of node: Node) -> NodeCost {
        let params = node.params.compactMap { parameter($0) }
            .filter { $0.kind == .weight || $0.kind == .bias }
            .map(\.shape.count).reduce(0, +)
        let out = node.shape.count
        let inCount = node.inputs.first.map { nodes[$0].shape.count } ?? 0
        let flops: Int
        switch node.op {
        case .conv2d(let a):
            flops = out * (2 * (a.inChannels / a.groups) * a.kernel[0] * a.kernel[1] + (a.bias ? 1 : 0))
        case .convTranspose2d(let a):
            // Every input position scatters Cin x Cout x kh x kw multiply-adds.
            flops = inCount / a.inChannels * 2 * a.inChannels * a.outChannels * a.kernel[0] * a.kernel[1]
        case .batchNorm: flops = 2 * out
        case .relu, .relu6: flops = out
        case .maxPool2d(let a): flops = out * a.kernel[0] * a.kernel[1]
        case .add: flops = out * max(node.inputs.count - 1, 1)
        case .concat, .input: flops = 0
        case .cosineDistance, .cosineDistanceFlat: flops = 6 * inCount
        case .mean, .maxPerSample: flops = inCount
        case .upsampleBilinear: flops = 8 * out
        case .gaussianBlur(let sigma, let truncate):
            flops = out * 2 * 2 * (2 * Int(truncate * sigma + 0.5) + 1)
        }
        return NodeCost(parameters: params, flops: flops)
    }
}
