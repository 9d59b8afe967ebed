import DSL

/// Loads PyTorch weight files into a graph's parameters: the teacher from a torchvision-style
/// state_dict, OCBE and decoder from an official RD4AD checkpoint ({'bn': ..., 'decoder': ...}).
/// Every name and shape is checked; all problems of a file are reported at once.
public enum ModelWeights {
    public static func load(graph: Graph, teacher: String, student: String) throws -> [String: HostTensor] {
        try self.teacher(graph: graph, file: teacher)
            .merging(try self.student(graph: graph, file: student)) { a, _ in a }
    }

    public static func teacher(graph: Graph, file: String) throws -> [String: HostTensor] {
        try load(file, graph.parameters.filter { $0.role == .teacher })
    }

    public static func student(graph: Graph, file: String) throws -> [String: HostTensor] {
        try load(file, graph.parameters.filter { $0.role.isTrainable })
    }

    /// The float tensors of `file`, after checking it holds exactly `expected`. Integer
    /// buffers (num_batches_tracked) are checked but not returned. A weight that is not a
    /// finite number would only show later as a score of nan: it is refused here, by name.
    static func load(_ file: String, _ expected: [Parameter]) throws -> [String: HostTensor] {
        let dict = try TorchFile.load(file)
        try dict.check(against: expected.map { ($0.name, $0.shape.dims) })
        var tensors: [String: HostTensor] = [:]
        for p in expected where p.kind != .batchCounter {
            let tensor = try dict.float(p.name)
            if let bad = tensor.values.first(where: { !$0.isFinite }) {
                throw TorchFileError(file: file, kind: .corrupt, message: "'\(p.name)' holds \(bad); weights must be finite numbers")
            }
            tensors[p.name] = tensor
        }
        return tensors
    }
}
