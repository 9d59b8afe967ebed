import DSL

/// The magic number opening a legacy checkpoint, as the LONG1 bytes pickle writes for it.
private let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c

/// torch.save's format before PyTorch 1.6: five pickles back to back (magic number, protocol
/// version 1001, system info, the object, the list of storage keys), then each listed storage
/// as an int64 element count followed by its raw little-endian elements.
func readLegacyCheckpoint(_ bytes: UnsafeRawBufferPointer) throws -> [(name: String, tensor: StoredTensor)] {
    var reader = ByteReader(bytes, what: "legacy checkpoint")
    guard case .bigInt(let magic) = try unpickle(&reader).root, magic == legacyMagic else {
        throw Problem(.corrupt, "the file is a pickle but not a torch.save checkpoint (no magic number)")
    }
    guard case .int(let version) = try unpickle(&reader).root, version == 1001 else {
        throw Problem(.unsupported, "legacy checkpoint protocol version is not 1001")
    }
    let system = try unpickle(&reader)
    if case .dict(let index) = system.root,
       system.objects.dicts[index].contains(where: { entry in
           if case .string("little_endian") = entry.key, case .bool(false) = entry.value { return true }
           return false
       }) {
        throw Problem(.unsupported, "the checkpoint was written on a big-endian machine")
    }
    let main = try unpickle(&reader)
    let keyList = try unpickle(&reader)
    guard let keyValues = keyList.objects.sequence(keyList.root) else {
        throw Problem(.corrupt, "the storage key list is a \(keyList.root.kindName)")
    }

    // The storages follow in the listed order, each sized by the type its persistent id gave it.
    var storageBytes: [String: UnsafeRawBufferPointer] = [:]
    for keyValue in keyValues {
        guard case .string(let key) = keyValue else { throw Problem(.corrupt, "a storage key is a \(keyValue.kindName)") }
        guard let storage = main.storages[key] else {
            throw Problem(.corrupt, "storage '\(key)' is listed but no tensor names it")
        }
        let count = try reader.read(Int64.self)
        guard count == storage.rootCount else {
            throw Problem(.corrupt, "storage '\(key)' holds \(count) elements, its tensors say \(storage.rootCount)")
        }
        let needed = storage.rootCount.multipliedReportingOverflow(by: storage.type.byteSize)
        guard !needed.overflow, needed.partialValue <= reader.remaining else {
            throw Problem(.truncated, "storage '\(key)' needs \(storage.rootCount) × \(storage.type.byteSize) bytes, \(reader.remaining) present")
        }
        storageBytes[key] = try reader.take(needed.partialValue)
    }

    return try flattenTensors(main).map { name, tensor in
        guard let bytes = storageBytes[tensor.storage.key] else {
            throw Problem(.corrupt, "tensor '\(name)' needs storage '\(tensor.storage.key)', which the file does not list")
        }
        return (name, try materialize(tensor, name: name, root: bytes))
    }
}
