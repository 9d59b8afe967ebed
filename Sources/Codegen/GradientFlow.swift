import DSL

/// Which values and parameters reverse-mode autodiff must visit: a node gets a gradient only
/// if it depends on a trainable parameter AND the loss depends on it. So no gradient flows
/// into the frozen teacher, and none is computed that nothing uses (the maps, the pixel
/// loss, OCBE's unused conv4).
struct GradientFlow {
    let loss: Int
    /// The loss depends on this node's value.
    let reachesLoss: [Bool]
    /// The node's value depends on a trainable parameter.
    let dependsOnTrainable: [Bool]
    /// Trainable parameters that get a gradient, in declaration order.
    let parameters: [String]
    /// The channels of a node's gradient that its own backward reads, where not all: a
    /// concat whose inputs do not all need a gradient reads the span of those that do
    /// (RD4AD's OCBE concatenates the teacher's last feature, which needs none), so the
    /// kernels writing that gradient may skip the rest.
    let readChannels: [Range<Int>?]

    init(_ facts: GraphFacts, loss name: String) throws {
        let g = facts.graph
        guard let out = g.outputs.first(where: { $0.name == name }) else {
            throw CodegenError("no output '\(name)' to differentiate; outputs: \(g.outputs.map(\.name).joined(separator: ", "))")
        }
        guard g.nodes[out.node].shape.rank == 0 else {
            throw CodegenError("the loss '\(name)' must be a scalar, it is \(g.nodes[out.node].shape)")
        }
        loss = out.node
        var depends = Array(repeating: false, count: g.nodes.count)
        for node in g.nodes {
            depends[node.id] = node.params.contains { g.parameter($0)?.isTrainable == true }
                || node.inputs.contains { depends[$0] }
        }
        var reaches = Array(repeating: false, count: g.nodes.count)
        reaches[loss] = true
        for node in g.nodes.reversed() where reaches[node.id] && depends[node.id] {
            for i in node.inputs { reaches[i] = true }
        }
        reachesLoss = reaches
        dependsOnTrainable = depends
        let read = Set(g.nodes.filter { reaches[$0.id] }.flatMap(\.params))
        parameters = g.parameters.filter { $0.isTrainable && read.contains($0.name) }.map(\.name)
        readChannels = g.nodes.map { node in
            guard case .concat = node.op else { return nil }
            var offset = 0, span: Range<Int>? = nil
            for input in node.inputs {
                let c = g.nodes[input].shape.c
                if reaches[input] && depends[input] {
                    span = span.map { min($0.lowerBound, offset)..<(offset + c) } ?? offset..<(offset + c)
                }
                offset += c
            }
            return span == 0..<offset ? nil : span
        }
    }

    /// The node's value needs a gradient.
    func needsGradient(_ node: Int) -> Bool { reachesLoss[node] && dependsOnTrainable[node] }
}
