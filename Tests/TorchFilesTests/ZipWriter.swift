import DSL

/// Writes zip archives of stored entries the way torch.save does (64-byte aligned data via
/// local-header padding), optionally with every size and offset in ZIP64 fields, as large
/// checkpoints have them.
struct ZipWriter {
    var zip64 = false
    /// The compression method to claim, to test that compressed entries are refused.
    var method: UInt16 = 0
    private(set) var bytes: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    init(zip64: Bool = false) {
        self.zip64 = zip64
    }

    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let offset = bytes.count
        // Pad the local extra field (id 0x4B46, as torch does) so the data starts on 64 bytes.
        let unpadded = offset + 30 + nameBytes.count + 4
        let padding = (64 - unpadded % 64) % 64
        let extra = le(UInt16(0x4B46)) + le(UInt16(padding)) + [UInt8](repeating: 0, count: padding)
        bytes += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(method) + [0, 0, 0, 0]
        let crc = data.withUnsafeBytes(CRC32.checksum)
        bytes += le(crc) + le(UInt32(data.count)) + le(UInt32(data.count))
        bytes += le(UInt16(nameBytes.count)) + le(UInt16(extra.count)) + nameBytes + extra + data

        let saturated = UInt32(0xFFFF_FFFF)
        let zip64Extra = le(UInt16(1)) + le(UInt16(24)) + le(UInt64(data.count)) + le(UInt64(data.count)) + le(UInt64(offset))
        directory += le(UInt32(0x0201_4B50)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt16(0)) + le(method) + [0, 0, 0, 0]
        directory += le(crc)
        directory += zip64 ? le(saturated) + le(saturated) : le(UInt32(data.count)) + le(UInt32(data.count))
        directory += le(UInt16(nameBytes.count)) + le(UInt16(zip64 ? zip64Extra.count : 0)) + le(UInt16(0))
        directory += le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
        directory += zip64 ? le(saturated) : le(UInt32(offset))
        directory += nameBytes + (zip64 ? zip64Extra : [])
        count += 1
    }

    /// The archive: entries, central directory, [ZIP64 record and locator], end record.
    func finished() -> [UInt8] {
        var out = bytes
        let directoryOffset = out.count
        out += directory
        if zip64 {
            let recordOffset = out.count
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
            out += le(UInt64(count)) + le(UInt64(count)) + le(UInt64(directory.count)) + le(UInt64(directoryOffset))
            out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(recordOffset)) + le(UInt32(1))
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0xFFFF)) + le(UInt16(0xFFFF))
            out += le(UInt32(0xFFFF_FFFF)) + le(UInt32(0xFFFF_FFFF)) + le(UInt16(0))
        } else {
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(count)) + le(UInt16(count))
            out += le(UInt32(directory.count)) + le(UInt32(directoryOffset)) + le(UInt16(0))
        }
        return out
    }
}

/// A torch.save zip checkpoint: `pickle` as `<folder>/data.pkl`, `storages[key]` as `<folder>/data/<key>`.
func zipCheckpoint(folder: String = "archive", pickle: [UInt8], storages: [(key: String, bytes: [UInt8])],
                   zip64: Bool = false) -> [UInt8] {
    var zip = ZipWriter(zip64: zip64)
    zip.add("\(folder)/data.pkl", pickle)
    zip.add("\(folder)/byteorder", Array("little".utf8))
    for (key, bytes) in storages { zip.add("\(folder)/data/\(key)", bytes) }
    zip.add("\(folder)/version", Array("3\n".utf8))
    return zip.finished()
}

/// A legacy (pre-1.6) torch.save checkpoint: the magic, version and system-info pickles, `pickle`,
/// the key list, then each storage as an int64 element count and its bytes.
func legacyCheckpoint(pickle: [UInt8], storages: [(key: String, count: Int, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [0x80, 2, 0x8A, 10, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    out += [0x80, 2, 0x4D] + le(UInt16(1001)) + [0x2E]
    var system = PickleWriter()
    system.emptyDict()
    system.mark()
    system.string("protocol_version")
    system.int(1001)
    system.string("little_endian")
    system.bool(true)
    system.setItems()
    system.stop()
    out += system.bytes + pickle
    var keys = PickleWriter()
    keys.emptyList()
    keys.mark()
    for storage in storages { keys.string(storage.key) }
    keys.appends()
    keys.stop()
    out += keys.bytes
    for storage in storages { out += le(Int64(storage.count)) + storage.bytes }
    return out
}
