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
        let flops = node.op.flops(node.inputs.map { nodes[$0].shape.dims }, output: node.shape.dims)
        return NodeCost(parameters: params, flops: flops)
    }
}
