/// A value on the pickle machine's stack. Containers are indices into `PickleObjects` rather than
/// nested Swift values: a hostile pickle can nest containers arbitrarily deep or make one contain
/// itself, and an index graph can neither overflow the stack when freed nor leak through a cycle.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// A LONG1/LONG4 integer wider than 64 bits, little-endian two's complement (the legacy magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(Int)
    case list(Int)
    case dict(Int)
    /// An allowlisted Python global: a class or function the pickle may call through REDUCE.
    case global(TorchGlobal)
    case storage(StorageRef)
    case tensor(TensorRef)

    /// The Python-ish type name, for error messages.
    var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let global): "global \(global)"
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }
}

/// The containers a pickle built; `PickleValue.tuple(i)` is `tuples[i]` and so on.
struct PickleObjects {
    var tuples: [[PickleValue]] = []
    var lists: [[PickleValue]] = []
    /// Entries in insertion order, as Python dicts keep them.
    var dicts: [[(key: PickleValue, value: PickleValue)]] = []

    mutating func newTuple(_ items: [PickleValue]) -> PickleValue {
        tuples.append(items)
        return .tuple(tuples.count - 1)
    }

    mutating func newList(_ items: [PickleValue] = []) -> PickleValue {
        lists.append(items)
        return .list(lists.count - 1)
    }

    mutating func newDict() -> PickleValue {
        dicts.append([])
        return .dict(dicts.count - 1)
    }

    /// The items of a tuple or list; `nil` for anything else.
    func sequence(_ value: PickleValue) -> [PickleValue]? {
        switch value {
        case .tuple(let index): tuples[index]
        case .list(let index): lists[index]
        default: nil
        }
    }
}
