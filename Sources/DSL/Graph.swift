/// Which part of RD4AD a node or parameter belongs to. The teacher is frozen (eval mode,
/// no gradients); OCBE and decoder are trained; heads are losses and anomaly maps.
public enum Role: String, Codable, Hashable, Sendable, CaseIterable {
    case input, teacher, ocbe, decoder, head

    public var isTrainable: Bool { self == .ocbe || self == .decoder }
}

public enum ParameterKind: String, Codable, Hashable, Sendable {
    case weight, bias, runningMean = "running_mean", runningVar = "running_var"
    /// BatchNorm's num_batches_tracked, an int64 scalar in PyTorch files.
    case batchCounter = "num_batches_tracked"
}

/// A named tensor of the model's state, named exactly as in the PyTorch state_dict
/// (e.g. `decoder.layer1.0.conv1.weight`).
public struct Parameter: Codable, Hashable, Sendable {
    public var name: String
    public var shape: Shape
    public var kind: ParameterKind
    public var role: Role
    /// False for parameters that exist in the checkpoints but no node reads
    /// (OCBE's conv4/bn4, the teacher's layer4 and fc).
    public var used: Bool

    /// Updated by the optimizer: weights and biases of OCBE and decoder that a node reads.
    public var isTrainable: Bool { role.isTrainable && used && (kind == .weight || kind == .bias) }
}

public struct Node: Codable, Hashable, Sendable {
    public var id: Int
    /// Dotted path of the layer (`decoder.layer2.0.conv1`), unique in the graph.
    public var name: String
    public var op: Op
    public var inputs: [Int]
    public var shape: Shape
    public var role: Role
    /// Parameter names the op reads, in the order its case documents.
    public var params: [String]
}

/// A whole model as a static graph: nodes in topological order (every input id is smaller
/// than the node's own), the parameters, and named outputs.
public struct Graph: Codable, Hashable, Sendable {
    public var name: String
    public var nodes: [Node]
    public var parameters: [Parameter]
    /// Named tensors: the teacher features `t1..t3`, `ocbe`, student features `s1..s3`,
    /// losses, maps and scores, plus any `Tap` a model adds. Ordered as added.
    public var outputs: [NamedOutput]

    public struct NamedOutput: Codable, Hashable, Sendable {
        public var name: String
        public var node: Int
    }

    public init(name: String, nodes: [Node], parameters: [Parameter], outputs: [NamedOutput]) {
        self.name = name; self.nodes = nodes; self.parameters = parameters; self.outputs = outputs
    }

    public func output(_ name: String) -> Node? {
        outputs.first { $0.name == name }.map { nodes[$0.node] }
    }

    public func parameter(_ name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}
