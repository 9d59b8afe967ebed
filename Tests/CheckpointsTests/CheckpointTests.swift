import Checkpoints
import DSL
import Foundation
import XCTest

final class CheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func graph(_ name: String, channels: Int) throws -> Graph {
        try RD4AD(name, height: 32, width: 32, batch: 1) {
            Teacher(outputs: ["t1"]) { Conv("conv1", 4, 3); Tap("t1") }
        } ocbe: {
            OCBE { Conv("conv1", channels, 3); BatchNorm("bn1") }
        } decoder: {
            Decoder(outputs: ["s1"]) { Conv("conv1", 4, 3); Tap("s1") }
        }.graph()
    }

    func sample(_ g: Graph) -> Checkpoint {
        var tensors: [String: HostTensor] = [:]
        for p in g.parameters where p.kind != .batchCounter {
            tensors[p.name] = HostTensor(shape: p.shape.dims, values: (0..<p.shape.count).map { Float($0) * 0.5 - 3 })
        }
        return Checkpoint(fingerprint: ModelFingerprint(g), epoch: 7, step: 70, metadata: ["threshold": "0.25"],
                          tensors: tensors)
    }

    func testRoundTripIsExact() throws {
        let g = try graph("m", channels: 8)
        let path = dir.appendingPathComponent("a.ckpt").path
        let ckpt = sample(g)
        try ckpt.write(to: path)
        XCTAssertEqual(try Checkpoint(contentsOf: path, for: g), ckpt)
        // Same content, same bytes.
        let path2 = dir.appendingPathComponent("b.ckpt").path
        try ckpt.write(to: path2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try Data(contentsOf: URL(fileURLWithPath: path2)))
    }

    func testCheckpointOfAnotherModelSaysWhich() throws {
        let path = dir.appendingPathComponent("a.ckpt").path
        try sample(try graph("small", channels: 8)).write(to: path)
        XCTAssertThrowsError(try Checkpoint(contentsOf: path, for: try graph("wide", channels: 16))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("a.ckpt") && message.contains("'small'") && message.contains("'wide'")
                          && message.contains("ocbe"), message)
        }
    }

    func testTruncatedAndForeignFilesAreRejectedByName() throws {
        let path = dir.appendingPathComponent("a.ckpt").path
        try sample(try graph("m", channels: 8)).write(to: path)
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in [3, 20, full.count - 1] {
            let truncated = dir.appendingPathComponent("cut\(cut).ckpt").path
            try full.prefix(cut).write(to: URL(fileURLWithPath: truncated))
            XCTAssertThrowsError(try Checkpoint(contentsOf: truncated)) { error in
                XCTAssertTrue("\(error)".contains("cut\(cut).ckpt"), "\(error)")
            }
        }
        let foreign = dir.appendingPathComponent("x.pth").path
        try Data("PK\u{3}\u{4}whatever".utf8).write(to: URL(fileURLWithPath: foreign))
        XCTAssertThrowsError(try Checkpoint(contentsOf: foreign)) { error in
            XCTAssertTrue("\(error)".contains("not an rdc checkpoint"), "\(error)")
        }
    }

    func testAtomicWriteReplacesWholeFileAndLeavesNoTemporary() throws {
        let path = dir.appendingPathComponent("a.ckpt").path
        let g = try graph("m", channels: 8)
        try sample(g).write(to: path)
        var next = sample(g)
        next.epoch = 8
        try next.write(to: path)
        XCTAssertEqual(try Checkpoint(contentsOf: path).epoch, 8)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.ckpt"])
    }
}
