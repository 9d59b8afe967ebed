import Foundation

/// A minimal PNG encoder for test fixtures: any colour type and bit depth, optional
/// palette and tRNS, deflate "stored" (uncompressed) blocks. Written independently of
/// libpng so the reader is tested against files it did not produce, with no binary
/// fixtures committed.
struct PNGFixture {
    enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    var width: Int
    var height: Int
    var bitDepth: UInt8
    var colorType: ColorType
    /// Samples, row-major, interleaved; packed into bits or big-endian pairs by `encoded()`.
    var samples: [Int]
    var palette: [(UInt8, UInt8, UInt8)] = []
    var transparency: [UInt8] = []

    private var channels: Int {
        switch colorType {
        case .gray, .palette: 1
        case .grayAlpha: 2
        case .rgb: 3
        case .rgba: 4
        }
    }

    func encoded() -> Data {
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.append(bigEndian: UInt32(width))
        header.append(bigEndian: UInt32(height))
        header.append(contentsOf: [bitDepth, colorType.rawValue, 0, 0, 0])
        png.appendChunk("IHDR", header)
        if !palette.isEmpty { png.appendChunk("PLTE", Data(palette.flatMap { [$0.0, $0.1, $0.2] })) }
        if !transparency.isEmpty { png.appendChunk("tRNS", Data(transparency)) }
        png.appendChunk("IDAT", Self.zlibStored(rawScanlines()))
        png.appendChunk("IEND", Data())
        return png
    }

    /// Each row: filter byte 0 (none), then the samples packed MSB first.
    private func rawScanlines() -> Data {
        var raw = Data()
        let rowSamples = width * channels
        for y in 0..<height {
            raw.append(0)
            let row = samples[(y * rowSamples)..<((y + 1) * rowSamples)]
            if bitDepth >= 8 {
                for sample in row {
                    if bitDepth == 16 { raw.append(UInt8(sample >> 8)) }
                    raw.append(UInt8(sample & 0xFF))
                }
            } else {
                var byte = 0, used = 0
                for sample in row {
                    byte = byte << Int(bitDepth) | sample
                    used += Int(bitDepth)
                    if used == 8 { raw.append(UInt8(byte)); byte = 0; used = 0 }
                }
                if used > 0 { raw.append(UInt8(byte << (8 - used))) }
            }
        }
        return raw
    }

    private static func zlibStored(_ data: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            out.append(offset + length == data.count ? 1 : 0)  // BFINAL, BTYPE = stored
            out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xFF)); out.append(UInt8((~length >> 8) & 0xFF))
            out.append(data[data.startIndex + offset ..< data.startIndex + offset + length])
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        out.append(bigEndian: b << 16 | a)
        return out
    }
}

extension Data {
    mutating func append(bigEndian value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    mutating func appendChunk(_ type: String, _ body: Data) {
        append(bigEndian: UInt32(body.count))
        let typed = Data(type.utf8) + body
        append(typed)
        append(bigEndian: crc32(typed))
    }
}

/// The CRC-32 PNG chunks end with (polynomial 0xEDB88320, bitwise).
func crc32(_ data: Data) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}
