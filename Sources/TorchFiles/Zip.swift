import DSL

/// A read-only view of a zip archive held in memory, enough for torch.save's archives
/// (stored entries, optionally ZIP64). Entries are found through the central directory; the
/// local headers are only used for their own name and extra-field lengths, because torch pads
/// the extra field to align every storage to 64 bytes.
struct ZipArchive {
    struct Entry {
        let name: String
        /// 0 = stored; anything else is compressed, which torch.save never writes.
        let method: UInt16
        let compressedSize: Int
        let localHeaderOffset: Int
        /// The CRC-32 the central directory gives for the entry's bytes.
        let crc32: UInt32
    }

    let bytes: UnsafeRawBufferPointer
    /// In central-directory order.
    let entries: [Entry]
    private let indexByName: [String: Int]

    init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        let (count, directoryOffset) = try Self.locateCentralDirectory(bytes)
        var reader = ByteReader(bytes, what: "zip central directory", offset: directoryOffset)
        var entries: [Entry] = []
        // `count` comes from the file; the directory cannot hold more than one entry per 46 bytes.
        entries.reserveCapacity(min(count, bytes.count / 46))
        for _ in 0 ..< count {
            entries.append(try Self.readDirectoryEntry(&reader))
        }
        self.entries = entries
        indexByName = Dictionary(entries.indices.map { (entries[$0].name, $0) }, uniquingKeysWith: { _, last in last })
    }

    func entry(named name: String) -> Entry? {
        indexByName[name].map { entries[$0] }
    }

    /// The bytes of a stored entry, exactly `compressedSize` long, checked against its CRC-32.
    func contents(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            let how = entry.method == 8 ? "deflate" : "method \(entry.method)"
            throw Problem(.unsupported, "zip entry '\(entry.name)' is compressed (\(how)); torch.save writes uncompressed entries, so re-save the file with torch.save")
        }
        var header = ByteReader(bytes, what: "local header of zip entry '\(entry.name)'", offset: entry.localHeaderOffset)
        guard try header.read(UInt32.self) == 0x0403_4B50 else {
            throw Problem(.corrupt, "zip entry '\(entry.name)' has no local header at byte \(entry.localHeaderOffset)")
        }
        try header.skip(22)
        let nameLength = Int(try header.read(UInt16.self))
        let extraLength = Int(try header.read(UInt16.self))
        try header.skip(nameLength + extraLength)
        let start = header.offset
        guard entry.compressedSize <= bytes.count - start else {
            throw Problem(.truncated, "zip entry '\(entry.name)' needs \(entry.compressedSize) bytes from byte \(start), the file has \(bytes.count) bytes")
        }
        let contents = UnsafeRawBufferPointer(rebasing: bytes[start ..< start + entry.compressedSize])
        // torch.save with compute_crc32 off records 0: nothing to check against.
        let crc = entry.crc32 == 0 ? 0 : CRC32.checksum(contents)
        guard crc == entry.crc32 else {
            throw Problem(.corrupt, "zip entry '\(entry.name)' is damaged: its CRC-32 is \(hex(crc)), the archive "
                          + "records \(hex(entry.crc32))")
        }
        return contents
    }

    /// Entry count and offset of the central directory, from the end-of-central-directory record,
    /// or from the ZIP64 record when a ZIP64 locator precedes it (large archives).
    private static func locateCentralDirectory(_ bytes: UnsafeRawBufferPointer) throws -> (count: Int, offset: Int) {
        // The record is 22 bytes plus a comment of at most 65535 bytes, so it starts in the last 65557 bytes.
        let lastStart = bytes.count - 22
        guard lastStart >= 0 else {
            throw Problem(.truncated, "zip archive of \(bytes.count) bytes is too short to hold an end-of-central-directory record")
        }
        let signature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
        guard let end = stride(from: lastStart, through: max(0, lastStart - 65535), by: -1).first(where: { start in
            bytes[start] == signature[0] && bytes[start + 1] == signature[1]
                && bytes[start + 2] == signature[2] && bytes[start + 3] == signature[3]
        }) else {
            throw Problem(.truncated, "no zip end-of-central-directory record: the file is cut short or damaged")
        }
        if end >= 20 {
            var locator = ByteReader(bytes, what: "ZIP64 locator", offset: end - 20)
            if try locator.read(UInt32.self) == 0x0706_4B50 {
                try locator.skip(4)
                let recordOffset = try checkedInt(try locator.read(UInt64.self), "ZIP64 record offset")
                var record = ByteReader(bytes, what: "ZIP64 end-of-central-directory record", offset: recordOffset)
                guard try record.read(UInt32.self) == 0x0606_4B50 else {
                    throw Problem(.corrupt, "ZIP64 locator points to byte \(recordOffset), which holds no ZIP64 record")
                }
                try record.skip(28)
                let count = try checkedInt(try record.read(UInt64.self), "ZIP64 entry count")
                try record.skip(8)
                let offset = try checkedInt(try record.read(UInt64.self), "ZIP64 central directory offset")
                return (count, offset)
            }
        }
        var record = ByteReader(bytes, what: "zip end-of-central-directory record", offset: end + 10)
        let count = Int(try record.read(UInt16.self))
        try record.skip(4)
        let offset = Int(try record.read(UInt32.self))
        return (count, offset)
    }

    private static func readDirectoryEntry(_ reader: inout ByteReader) throws -> Entry {
        let at = reader.offset
        guard try reader.read(UInt32.self) == 0x0201_4B50 else {
            throw Problem(.corrupt, "zip central directory has no entry header at byte \(at)")
        }
        try reader.skip(4)
        let flags = try reader.read(UInt16.self)
        let method = try reader.read(UInt16.self)
        try reader.skip(4)
        let crc32 = try reader.read(UInt32.self)
        var compressedSize = UInt64(try reader.read(UInt32.self))
        var uncompressedSize = UInt64(try reader.read(UInt32.self))
        let nameLength = Int(try reader.read(UInt16.self))
        let extraLength = Int(try reader.read(UInt16.self))
        let commentLength = Int(try reader.read(UInt16.self))
        try reader.skip(8)
        var localHeaderOffset = UInt64(try reader.read(UInt32.self))
        let name = String(decoding: try reader.take(nameLength), as: UTF8.self)
        guard flags & 1 == 0 else {
            throw Problem(.unsupported, "zip entry '\(name)' is encrypted")
        }
        // ZIP64 extra field (id 1): the 64-bit values of exactly those fields saturated at 0xFFFFFFFF, in this order.
        var extra = ByteReader(try reader.take(extraLength), what: "extra field of zip entry '\(name)'")
        while extra.remaining >= 4 {
            let id = try extra.read(UInt16.self)
            var field = ByteReader(try extra.take(Int(try extra.read(UInt16.self))), what: "ZIP64 field of zip entry '\(name)'")
            guard id == 1 else { continue }
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try field.read(UInt64.self) }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try field.read(UInt64.self) }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try field.read(UInt64.self) }
        }
        try reader.skip(commentLength)
        return Entry(name: name, method: method,
                     compressedSize: try checkedInt(compressedSize, "size of zip entry '\(name)'"),
                     localHeaderOffset: try checkedInt(localHeaderOffset, "offset of zip entry '\(name)'"), crc32: crc32)
    }
}

private func checkedInt(_ value: UInt64, _ what: String) throws -> Int {
    guard let int = Int(exactly: value) else { throw Problem(.corrupt, "\(what) \(value) is out of range") }
    return int
}

private func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
