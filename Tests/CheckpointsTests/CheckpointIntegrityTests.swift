import Checkpoints
import DSL
import Foundation
import XCTest

/// Damaged checkpoints are refused by name: a flipped byte (checksum), a weight that is not
/// a number, a header whose sizes do not fit; version-1 files, which have no checksum, still load.
final class CheckpointIntegrityTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let fingerprint = ModelFingerprint(Graph(name: "m", nodes: [], parameters: [], outputs: []))

    func sample(_ values: [Float] = [1, 2, 3, 4]) -> Checkpoint {
        Checkpoint(fingerprint: fingerprint, epoch: 3, step: 30, metadata: [:],
                   tensors: ["w": HostTensor(shape: [values.count], values: values)])
    }

    /// A version-1 file (no checksum), as rdc wrote before checksums: the given header, then `body`.
    func versionOneFile(_ name: String, tensors: String, body: Data) throws -> String {
        let fingerprintJSON = String(decoding: try JSONEncoder().encode(fingerprint), as: UTF8.self)
        let header = Data(#"{"epoch":1,"fingerprint":\#(fingerprintJSON),"metadata":{},"step":1,"tensors":\#(tensors)}"#.utf8)
        var data = Data("RDCCKPT1\n".utf8)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        data.append(body)
        let path = dir.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func testFlippedByteIsReportedAsDamage() throws {
        let path = dir.appendingPathComponent("a.ckpt").path
        try sample().write(to: path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 8] ^= 0x01  // inside the last weight
        try data.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Checkpoint(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path) && "\(error)".contains("is damaged") && "\(error)".contains("CRC-32"), "\(error)")
        }
    }

    func testNonFiniteWeightIsRefusedNamingTheTensor() throws {
        for bad in [Float.nan, .infinity] {
            let path = dir.appendingPathComponent("nan.ckpt").path
            try sample([1, bad, 3]).write(to: path)
            XCTAssertThrowsError(try Checkpoint(contentsOf: path)) { error in
                XCTAssertTrue("\(error)".contains("'w' holds \(bad)") && "\(error)".hasPrefix(path), "\(error)")
            }
        }
    }

    func testVersionOneFilesWithoutChecksumStillLoad() throws {
        let values: [Float] = [0.5, -2]
        let path = try versionOneFile("old.ckpt", tensors: #"[{"name":"w","shape":[2]}]"#,
                                      body: values.withUnsafeBytes { Data($0) })
        XCTAssertEqual(try Checkpoint(contentsOf: path).tensors["w"], HostTensor(shape: [2], values: values))
        XCTAssertTrue(Checkpoint.isCheckpoint(path))
    }

    /// The 163-byte file of issue 19: a shape whose byte count overflows an Int.
    func testShapeWhoseSizeOverflowsIsAnError() throws {
        for shape in ["[2305843009213693952]", "[4294967296,4294967296]", "[4611686018427387904]"] {
            let path = try versionOneFile("huge.ckpt", tensors: #"[{"name":"w","shape":\#(shape)}]"#, body: Data(count: 8))
            XCTAssertThrowsError(try Checkpoint(contentsOf: path)) { error in
                XCTAssertTrue("\(error)".hasPrefix(path) && "\(error)".contains("'w'"), "\(error)")
            }
        }
    }

    func testForeignFilesAreNotCheckpoints() throws {
        let path = dir.appendingPathComponent("eight.bin").path
        try Data("12345678".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertFalse(Checkpoint.isCheckpoint(path))
        XCTAssertThrowsError(try Checkpoint(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("is not an rdc checkpoint"), "\(error)")
        }
    }
}
