/// CRC-32 (IEEE 802.3: zip's, PNG's and zlib's), the checksum rdc's files carry and zip
/// entries are checked with, so a flipped byte is reported instead of changing results.
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    /// Slicing-by-8 tables, flat: table k (entries 256k..<256(k+1)) advances a byte k
    /// positions further, so eight bytes take eight lookups and no loop-carried shifts
    /// (about 4x a table per byte: checkpoints run to gigabytes).
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var c = UInt32(byte)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[byte] = c
        }
        for i in 256..<t.count {
            let previous = t[i - 256]
            t[i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
        }
        return t
    }()

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var c = ~value
        Self.tables.withUnsafeBufferPointer { t in
            var i = 0
            while i + 8 <= bytes.count {
                let low = c ^ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 4, as: UInt32.self))
                c = t[1792 + Int(low & 0xFF)] ^ t[1536 + Int((low >> 8) & 0xFF)]
                    ^ t[1280 + Int((low >> 16) & 0xFF)] ^ t[1024 + Int(low >> 24)]
                    ^ t[768 + Int(high & 0xFF)] ^ t[512 + Int((high >> 8) & 0xFF)]
                    ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            for byte in bytes[i...] { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        value = ~c
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
