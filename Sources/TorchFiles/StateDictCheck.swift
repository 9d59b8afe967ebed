extension StateDict {
    /// Checks that the tensors under `prefix` are exactly `expected` (names without the prefix)
    /// with those shapes. Throws one `.mismatch` error listing every missing, unexpected and
    /// wrongly shaped tensor, so a naming or layout slip shows whole in one message.
    public func check(against expected: [(name: String, shape: [Int])], prefix: String = "") throws {
        let prefix = dotted(prefix)
        let found = subdict(prefix)
        var problems: [String] = []
        var expectedNames: Set<String> = []
        for (name, shape) in expected where expectedNames.insert(name).inserted {
            guard let tensor = found[name] else {
                problems.append("missing     \(prefix + name) (expected \(shape))")
                continue
            }
            if tensor.shape != shape {
                problems.append("wrong shape \(prefix + name): expected \(shape), found \(tensor.shape)")
            }
        }
        for name in found.keys where !expectedNames.contains(name) {
            problems.append("unexpected  \(prefix + name) (found \(found.tensors[name]?.shape ?? []))")
        }
        guard problems.isEmpty else {
            let scope = prefix.isEmpty ? "" : " under '\(prefix)'"
            let summary = problems.count == 1
                ? "1 tensor\(scope) does not match the model:"
                : "\(problems.count) tensors\(scope) do not match the model:"
            throw TorchFileError(file: file, kind: .mismatch, message: ([summary] + problems).joined(separator: "\n  "))
        }
    }
}
