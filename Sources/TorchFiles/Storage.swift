/// The element type of a torch storage, named by its legacy storage class (`torch.FloatStorage`),
/// which is what torch.save writes into persistent ids even in PyTorch 2.
enum ScalarType: CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    init?(storageName: String) {
        guard let type = Self.allCases.first(where: { $0.storageName == storageName }) else { return nil }
        self = type
    }

    var storageName: String {
        switch self {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }

    var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: true
        case .int64, .int32, .int16, .int8, .uint8, .bool: false
        }
    }
}

/// A storage named by a persistent id: `('storage', storage_type, key, location, numel[, view])`.
/// `key` names the bytes (`<archive>/data/<key>` in a zip, a slot after the pickles in the legacy
/// format); the legacy format may hand a tensor a slice (view) of a larger root storage.
struct StorageRef {
    let key: String
    let type: ScalarType
    /// Elements in the root storage the key names.
    let rootCount: Int
    /// The elements this reference sees: `viewOffset ..< viewOffset + viewCount` of the root storage.
    private(set) var viewOffset: Int
    private(set) var viewCount: Int

    init(persistentID pid: PickleValue, objects: PickleObjects) throws {
        guard let fields = objects.sequence(pid), fields.count == 5 || fields.count == 6,
              case .string(let kind) = fields[0] else {
            throw Problem(.corrupt, "persistent id is not a ('storage', type, key, location, numel) tuple")
        }
        guard kind == "storage" else {
            throw Problem(.unsupported, "persistent id of kind '\(kind)': the file pickles objects other than tensors (a whole nn.Module?); save the state_dict instead")
        }
        guard case .global(.storageType(let type)) = fields[1] else {
            throw Problem(.corrupt, "persistent id names a storage type that is a \(fields[1].kindName)")
        }
        guard case .string(let key) = fields[2], case .int(let count) = fields[4], count >= 0 else {
            throw Problem(.corrupt, "persistent id has no string key and element count")
        }
        self.key = key
        self.type = type
        rootCount = count
        viewOffset = 0
        viewCount = count
        guard fields.count == 6 else { return }
        if case .none = fields[5] { return }
        // Legacy view metadata: (view_key, offset, size), in elements of the root storage.
        guard let view = objects.sequence(fields[5]), view.count == 3,
              case .int(let offset) = view[1], case .int(let viewSize) = view[2],
              offset >= 0, viewSize >= 0, viewSize <= count, offset <= count - viewSize else {
            throw Problem(.corrupt, "storage '\(key)' has a view outside its \(count) elements")
        }
        viewOffset = offset
        viewCount = viewSize
    }
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided window onto a storage, in elements.
struct TensorRef {
    let storage: StorageRef
    let offset: Int
    let size: [Int]
    let stride: [Int]
}
