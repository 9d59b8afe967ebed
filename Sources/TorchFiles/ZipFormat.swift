import DSL

/// torch.save's zip format (PyTorch 1.6 and later): `<dir>/data.pkl` holds the pickled object and
/// each storage is the stored entry `<dir>/data/<key>`. The folder name varies (`archive`, or
/// the file's stem), so it is taken from wherever `data.pkl` is.
func readZipCheckpoint(_ bytes: UnsafeRawBufferPointer) throws -> [(name: String, tensor: StoredTensor)] {
    let archive = try ZipArchive(bytes)
    let pickles = archive.entries.filter { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }
    guard let pickle = pickles.first else {
        throw Problem(.corrupt, "zip archive has no data.pkl entry, so it was not written by torch.save")
    }
    guard pickles.count == 1 else {
        throw Problem(.unsupported, "zip archive has several data.pkl entries: \(pickles.map(\.name))")
    }
    let folder = String(pickle.name.dropLast("data.pkl".count))
    if let order = archive.entry(named: folder + "byteorder"),
       String(decoding: try archive.contents(of: order), as: UTF8.self) != "little" {
        throw Problem(.unsupported, "storages are big-endian ('\(order.name)')")
    }

    var reader = ByteReader(try archive.contents(of: pickle), what: "pickle '\(pickle.name)'")
    let unpickled = try unpickle(&reader)
    return try flattenTensors(unpickled).map { name, tensor in
        let entryName = folder + "data/" + tensor.storage.key
        guard let entry = archive.entry(named: entryName) else {
            throw Problem(.corrupt, "tensor '\(name)' needs storage '\(entryName)', which the archive lacks")
        }
        let bytes = try archive.contents(of: entry)
        let (needed, overflow) = tensor.storage.rootCount.multipliedReportingOverflow(by: tensor.storage.type.byteSize)
        guard !overflow, needed <= bytes.count else {
            throw Problem(.truncated, "storage '\(entryName)' needs \(tensor.storage.rootCount) × \(tensor.storage.type.byteSize) bytes, \(bytes.count) present")
        }
        return (name, try materialize(tensor, name: name, root: bytes))
    }
}
