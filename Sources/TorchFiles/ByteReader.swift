/// Bounds-checked little-endian reads from a borrowed buffer (the mapped file).
/// Every read that would pass the end throws `.truncated` naming `what`, so no input can make
/// a reader touch memory outside the file.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    /// What the bytes are, for error messages, e.g. "pickle 'archive/data.pkl'".
    let what: String
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, what: String, offset: Int = 0) {
        self.bytes = bytes
        self.what = what
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, offset >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw Problem(.truncated, "\(what) needs \(count) bytes at byte \(offset), only \(max(0, remaining)) present")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
    }

    mutating func skip(_ count: Int) throws {
        _ = try take(count)
    }

    mutating func byte() throws -> UInt8 {
        try take(1)[0]
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    /// Bytes up to (not including) the next newline, which is consumed.
    mutating func line() throws -> UnsafeRawBufferPointer {
        let start = offset
        guard start >= 0, start <= bytes.count,
              let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
            throw Problem(.truncated, "\(what) ends inside a line starting at byte \(start)")
        }
        offset = end + 1
        return UnsafeRawBufferPointer(rebasing: bytes[start ..< end])
    }
}
