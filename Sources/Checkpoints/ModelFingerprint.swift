import DSL

/// What a checkpoint's tensors fit: the model name and every parameter's name and shape,
/// digested (FNV-1a 64). Batch and image size are not part of it: weights carry over.
public struct ModelFingerprint: Codable, Equatable, Sendable {
    public var model: String
    public var digest: String
    /// Parameter count per role, to say how two models differ.
    public var parameters: [String: Int]

    public init(_ graph: Graph) {
        model = graph.name
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in graph.parameters {
            for byte in "\(p.name)\(p.shape);".utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        digest = String(repeating: "0", count: 16 - hex.count) + hex
        parameters = Dictionary(grouping: graph.parameters, by: { $0.role.rawValue })
            .mapValues { $0.map(\.shape.count).reduce(0, +) }
    }

    func differences(from other: ModelFingerprint) -> String {
        let roles = Set(parameters.keys).union(other.parameters.keys).sorted()
        let diffs = roles.compactMap { role -> String? in
            let (a, b) = (parameters[role] ?? 0, other.parameters[role] ?? 0)
            return a == b ? nil : "\(role) has \(a) parameters in the checkpoint, \(b) in the model"
        }
        return diffs.isEmpty ? "parameter names or shapes differ" : diffs.joined(separator: "; ")
    }
}
