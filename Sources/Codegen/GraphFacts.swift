import DSL

/// Which part of an entry point computes a node. The teacher is frozen and runs the same in
/// every mode; the trainable part has a training and an evaluation form (BatchNorm batch
/// vs. running statistics); heads are split into those the scalar outputs (losses) need,
/// run by every forward, and the rest (maps, scores), run by evaluation and on request.
enum NodePhase {
    case input, teacher, student, lossHead, mapHead
}

/// Facts about a graph that every pass needs: who reads each node, which values persist
/// across calls, and each node's phase.
struct GraphFacts {
    let graph: Graph
    /// Readers of each node, once per edge, in graph order.
    let consumers: [[Int]]
    /// Output names of each node, in the order the graph names them.
    let names: [[String]]
    let phase: [NodePhase]
    /// Values kept in the state: inputs, named outputs, and frozen values that later phases
    /// read (the `*_features` entry points start from them without running the teacher).
    let persistent: [Bool]

    init(_ graph: Graph) throws {
        self.graph = graph
        let nodes = graph.nodes
        var consumers = Array(repeating: [Int](), count: nodes.count)
        for node in nodes { for i in node.inputs { consumers[i].append(node.id) } }
        var names = Array(repeating: [String](), count: nodes.count)
        for out in graph.outputs { names[out.node].append(out.name) }

        // Heads that a scalar output depends on run with every forward.
        var forLoss = Array(repeating: false, count: nodes.count)
        for out in graph.outputs where nodes[out.node].shape.rank == 0 { forLoss[out.node] = true }
        for node in nodes.reversed() where forLoss[node.id] { for i in node.inputs { forLoss[i] = true } }

        let phase: [NodePhase] = nodes.map { node in
            if case .input = node.op { return .input }
            switch node.role {
            case .input, .teacher: return .teacher
            case .ocbe, .decoder: return .student
            case .head: return forLoss[node.id] ? .lossHead : .mapHead
            }
        }
        func rank(_ p: NodePhase) -> Int {
            switch p {
            case .input: return 0
            case .teacher: return 1
            case .student: return 2
            case .lossHead, .mapHead: return 3
            }
        }
        var problems: [String] = []
        for node in nodes {
            for i in node.inputs where rank(phase[i]) > rank(phase[node.id])
                || (phase[i] == .mapHead && phase[node.id] == .lossHead) {
                problems.append("'\(node.name)' (\(node.role.rawValue)) reads '\(nodes[i].name)' (\(nodes[i].role.rawValue)): "
                                + "the frozen part must not depend on the trainable part, nor either on the heads")
            }
        }
        if !problems.isEmpty { throw CodegenError("graph cannot be split into entry points:\n  " + problems.joined(separator: "\n  ")) }

        persistent = nodes.map { node in
            phase[node.id] == .input || !names[node.id].isEmpty
                || (phase[node.id] == .teacher && consumers[node.id].contains { phase[$0] != .teacher })
        }
        self.consumers = consumers
        self.names = names
        self.phase = phase
    }

    /// A value only one node reads and nobody outside can see: it may live inside a fused kernel.
    func isPrivate(_ node: Int) -> Bool { consumers[node].count == 1 && !persistent[node] }

    /// The single reader of a private value.
    func soleConsumer(_ node: Int) -> Node? { isPrivate(node) ? graph.nodes[consumers[node][0]] : nil }

    /// True where BatchNorm uses batch statistics: trainable parts in training mode.
    func trainsBatchNorm(_ node: Int, training: Bool) -> Bool { training && graph.nodes[node].role.isTrainable }

    /// Node ids of one phase, in graph order.
    func nodes(in p: NodePhase) -> [Int] { graph.nodes.indices.filter { phase[$0] == p } }
}
