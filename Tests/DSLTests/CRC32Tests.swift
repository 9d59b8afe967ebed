import DSL
import XCTest

final class CRC32Tests: XCTestCase {
    func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes(CRC32.checksum) }

    func testKnownValues() {
        XCTAssertEqual(checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(checksum([]), 0)
        XCTAssertEqual(checksum(Array("The quick brown fox jumps over the lazy dog".utf8)), 0x414F_A339)
    }

    /// Eight bytes at a time and byte by byte agree, for every length and split.
    func testAgreesWithTheBitwiseDefinitionAtEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var bitwise: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                bitwise ^= UInt32(byte)
                for _ in 0..<8 { bitwise = bitwise & 1 == 1 ? 0xEDB8_8320 ^ (bitwise >> 1) : bitwise >> 1 }
            }
            XCTAssertEqual(checksum(bytes), ~bitwise, "length \(length)")
            var pieces = CRC32()
            bytes[..<(length / 3)].withUnsafeBytes { pieces.update($0) }
            bytes[(length / 3)...].withUnsafeBytes { pieces.update($0) }
            XCTAssertEqual(pieces.value, ~bitwise, "length \(length) in two pieces")
        }
    }
}
