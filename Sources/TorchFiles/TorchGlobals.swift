/// The Python globals a state-dict pickle may name, mirroring `torch.load(weights_only=True)`.
/// Anything else is rejected by name: unpickling it in Python could run arbitrary code
/// (`posix.system`), and a whole pickled `nn.Module` is not a state dict anyway.
enum TorchGlobal: CustomStringConvertible {
    case orderedDict
    case rebuildTensor
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(ScalarType)

    init(module: String, name: String) throws {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        default:
            // Storages saved from a GPU name torch.cuda's classes; the bytes are the same.
            if module == "torch" || module == "torch.cuda", let type = ScalarType(storageName: name) {
                self = .storageType(type)
                return
            }
            throw Problem(.disallowedGlobal, "the pickle names '\(module).\(name)', which a state dict never needs; refusing to load it (like torch.load(weights_only=True))")
        }
    }

    var description: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensor: "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageType(let type): "torch.\(type.storageName)"
        }
    }

    /// What calling the global (REDUCE or NEWOBJ) yields, for the calls torch.save emits.
    func call(_ args: [PickleValue], objects: inout PickleObjects) throws -> PickleValue {
        switch self {
        case .orderedDict:
            let dict = objects.newDict()
            guard let first = args.first else { return dict }
            // Python 2 pickled OrderedDict as OrderedDict([[key, value], ...]).
            guard args.count == 1, case .dict(let index) = dict, let pairs = objects.sequence(first) else {
                throw Problem(.corrupt, "OrderedDict called with unexpected arguments")
            }
            for pair in pairs {
                guard let kv = objects.sequence(pair), kv.count == 2 else {
                    throw Problem(.corrupt, "OrderedDict item is not a (key, value) pair")
                }
                objects.dicts[index].append((kv[0], kv[1]))
            }
            return dict
        case .rebuildTensor, .rebuildTensorV2:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let size = intTuple(args[2], objects), let stride = intTuple(args[3], objects) else {
                throw Problem(.corrupt, "\(self) called with unexpected arguments")
            }
            return .tensor(TensorRef(storage: storage, offset: offset, size: size, stride: stride))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its data here.
            guard let data = args.first, case .tensor = data else {
                throw Problem(.corrupt, "\(self) called without a tensor")
            }
            return data
        case .storageType:
            throw Problem(.unsupported, "the pickle calls \(self); storages must come from persistent ids")
        }
    }
}

private func intTuple(_ value: PickleValue, _ objects: PickleObjects) -> [Int]? {
    guard let items = objects.sequence(value) else { return nil }
    var ints: [Int] = []
    for item in items {
        guard case .int(let int) = item else { return nil }
        ints.append(int)
    }
    return ints
}
