import DSL

/// The tensors of a `.pth` file in file order. Nested dicts are flattened with ".": an official
/// RD4AD checkpoint `{'bn': ..., 'decoder': ...}` reads as `bn.conv1.weight`, `decoder.layer1...`.
public struct StateDict: Sendable {
    /// The path the tensors were read from, named in every error about them.
    public let file: String
    /// Every tensor name, in the order the file stores them.
    public let keys: [String]
    public let tensors: [String: StoredTensor]

    /// `entries` must have unique names (the loaders guarantee it).
    init(file: String, entries: [(name: String, tensor: StoredTensor)]) {
        self.file = file
        keys = entries.map(\.name)
        tensors = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(name: String) -> StoredTensor? { tensors[name] }

    public var count: Int { keys.count }

    /// The float tensor `name`; throws (naming the file) when it is missing or holds integers.
    public func float(_ name: String) throws -> HostTensor {
        switch tensors[name] {
        case .float(let tensor): return tensor
        case .int64(let shape, _):
            throw TorchFileError(file: file, kind: .mismatch, message: "'\(name)' holds int64 values (shape \(shape)), not floats")
        case nil:
            throw TorchFileError(file: file, kind: .mismatch, message: "no tensor '\(name)' among \(count) tensors")
        }
    }

    /// The tensors under `prefix` ("decoder" or "decoder."), with the prefix removed, in file order.
    public func subdict(_ prefix: String) -> StateDict {
        let prefix = dotted(prefix)
        return StateDict(file: file, entries: keys.compactMap { key in
            guard key.hasPrefix(prefix), let tensor = tensors[key] else { return nil }
            return (String(key.dropFirst(prefix.count)), tensor)
        })
    }
}

/// "decoder" and "decoder." both mean the keys starting with "decoder."; "" means all keys.
func dotted(_ prefix: String) -> String {
    prefix.isEmpty || prefix.hasSuffix(".") ? prefix : prefix + "."
}

/// The tensors in a pickle's top-level dict, nested dicts flattened with "." in file order.
/// Values that are neither tensors nor dicts (an epoch number, a config string) are skipped.
func flattenTensors(_ unpickled: Unpickled) throws -> [(name: String, tensor: TensorRef)] {
    guard case .dict(let top) = unpickled.root else {
        throw Problem(.unsupported, "the file holds a \(unpickled.root.kindName), not a dict of tensors")
    }
    var entries: [(name: String, tensor: TensorRef)] = []
    var seen: Set<String> = []
    // Real checkpoints nest a few levels; the limit also stops a dict that contains itself.
    func visit(_ dict: Int, prefix: String, depth: Int) throws {
        guard depth < 32 else { throw Problem(.corrupt, "dicts nest deeper than 32 levels at '\(prefix)'") }
        for (key, value) in unpickled.objects.dicts[dict] {
            let name: String
            switch key {
            case .string(let string): name = prefix + string
            case .int(let int): name = prefix + String(int)
            default: throw Problem(.unsupported, "a dict key under '\(prefix)' is a \(key.kindName), not a string")
            }
            switch value {
            case .tensor(let tensor):
                guard seen.insert(name).inserted else { throw Problem(.corrupt, "tensor '\(name)' appears twice") }
                entries.append((name, tensor))
            case .dict(let inner):
                try visit(inner, prefix: name + ".", depth: depth + 1)
            default:
                continue
            }
        }
    }
    try visit(top, prefix: "", depth: 0)
    return entries
}
