import Foundation
import TorchFiles
import XCTest

/// Damaged and hostile files fail with a `TorchFileError` that names the file and the fault, never a crash.
final class ErrorTests: XCTestCase {
    /// `{'w': float32 [count] from storage '0'}` as a zip checkpoint with `stored` floats.
    private func smallCheckpoint(count: Int = 4, stored: Int = 4) -> [UInt8] {
        var p = PickleWriter()
        p.emptyDict()
        p.string("w")
        p.tensor(storage: "0", count: count, size: [count], stride: [1])
        p.setItem()
        p.stop()
        return zipCheckpoint(pickle: p.bytes, storages: [("0", le((0 ..< stored).map(Float.init)))])
    }

    private func loadError(_ bytes: [UInt8], named name: String = "bad.pth",
                           file: StaticString = #filePath, line: UInt = #line) throws -> TorchFileError? {
        let path = try writeTemporary(bytes, named: name, self)
        let error = torchFileError({ try TorchFile.load(path) }, file: file, line: line)
        XCTAssertEqual(error?.file, path, file: file, line: line)
        XCTAssert(error?.description.hasPrefix(path + ": ") ?? false, file: file, line: line)
        return error
    }

    func testTruncatedTeacher() throws {
        let original = try Array(Data(contentsOf: URL(fileURLWithPath: try TestData.golden("rd_r18_b2_64", "teacher.pth"))))
        for length in [0, 10, 100, original.count / 2, original.count - 30, original.count - 1] {
            let error = try loadError(Array(original.prefix(length)), named: "teacher.pth")
            XCTAssert([.truncated, .corrupt].contains(error?.kind), "\(length): \(String(describing: error))")
            XCTAssert(error?.description.contains("teacher.pth: truncated") ?? false, "\(length): \(String(describing: error))")
        }
    }

    func testShortStorage() throws {
        let error = try loadError(smallCheckpoint(count: 4, stored: 3))
        XCTAssertEqual(error?.kind, .truncated)
        XCTAssert(error?.message.contains("storage 'archive/data/0' needs 4 × 4 bytes, 12 present") ?? false, "\(String(describing: error))")
    }

    func testTruncatedLegacyStorage() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.string("w")
        p.tensor(storage: "root", count: 4, size: [4], stride: [1], legacy: true)
        p.setItem()
        p.stop()
        let whole = legacyCheckpoint(pickle: p.bytes, storages: [("root", 4, le([1, 2, 3, 4] as [Float]))])
        let error = try loadError(Array(whole.dropLast(5)), named: "old.pth")
        XCTAssertEqual(error?.kind, .truncated)
        XCTAssert(error?.message.contains("storage 'root' needs 4 × 4 bytes, 11 present") ?? false, "\(String(describing: error))")
    }

    func testMissingStorage() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.string("w")
        p.tensor(storage: "7", count: 1, size: [1], stride: [1])
        p.setItem()
        p.stop()
        let error = try loadError(zipCheckpoint(pickle: p.bytes, storages: []))
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssert(error?.message.contains("'archive/data/7'") ?? false, "\(String(describing: error))")
    }

    func testTensorOutsideItsStorage() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.string("w")
        p.tensor(storage: "0", count: 4, size: [2, 2], stride: [3, 1])
        p.setItem()
        p.stop()
        let error = try loadError(zipCheckpoint(pickle: p.bytes, storages: [("0", le([1, 2, 3, 4] as [Float]))]))
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssert(error?.message.contains("tensor 'w'") ?? false, "\(String(describing: error))")
    }

    func testDisallowedGlobal() throws {
        // The classic exploit: posix.system('...') through REDUCE.
        var p = PickleWriter()
        p.global("posix", "system")
        p.string("echo owned")
        p.op(0x85)  // TUPLE1
        p.reduce()
        p.stop()
        let error = try loadError(zipCheckpoint(pickle: p.bytes, storages: []))
        XCTAssertEqual(error?.kind, .disallowedGlobal)
        XCTAssert(error?.message.contains("'posix.system'") ?? false, "\(String(describing: error))")

        var stacked = PickleWriter()
        stacked.string("builtins")
        stacked.string("eval")
        stacked.op(0x93)  // STACK_GLOBAL
        stacked.stop()
        let legacy = legacyCheckpoint(pickle: stacked.bytes, storages: [])
        XCTAssert(try loadError(legacy)?.message.contains("'builtins.eval'") ?? false)
    }

    func testUnknownOpcode() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.op(0x8F)  // EMPTY_SET: valid pickle, not in a state dict
        p.stop()
        let error = try loadError(zipCheckpoint(pickle: p.bytes, storages: []))
        XCTAssertEqual(error?.kind, .unsupported)
        XCTAssert(error?.message.contains("0x8f at byte 3 of pickle 'archive/data.pkl'") ?? false, "\(String(describing: error))")
    }

    func testCompressedEntry() throws {
        var zip = ZipWriter()
        zip.method = 8
        zip.add("archive/data.pkl", [0x80, 2, 0x7D, 0x2E])
        let error = try loadError(zip.finished())
        XCTAssertEqual(error?.kind, .unsupported)
        XCTAssert(error?.message.contains("'archive/data.pkl' is compressed (deflate)") ?? false, "\(String(describing: error))")
    }

    func testNotACheckpoint() throws {
        let garbage = try loadError(Array("just some text, not a tensor".utf8))
        XCTAssertEqual(garbage?.kind, .corrupt)
        XCTAssert(garbage?.message.contains("not a PyTorch checkpoint") ?? false, "\(String(describing: garbage))")

        XCTAssertEqual(try loadError([])?.kind, .truncated)

        var list = PickleWriter()
        list.emptyList()
        list.stop()
        XCTAssertEqual(try loadError(zipCheckpoint(pickle: list.bytes, storages: []))?.kind, .unsupported)

        let missing = "/nonexistent/dir/model.pth"
        let unreadable = torchFileError { try TorchFile.load(missing) }
        XCTAssertEqual(unreadable?.kind, .unreadable)
        XCTAssert(unreadable?.description.hasPrefix(missing) ?? false)
    }

    func testDictContainingItself() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.put(0)
        p.string("self")
        p.get(0)
        p.setItem()
        p.stop()
        let error = try loadError(zipCheckpoint(pickle: p.bytes, storages: []))
        XCTAssertEqual(error?.kind, .corrupt)
    }

    /// Every prefix of a small checkpoint, and the checkpoint with any one byte inverted, either loads or throws.
    func testDamageNeverCrashes() throws {
        let original = smallCheckpoint()
        let directory = try temporaryDirectory(self)
        let path = directory.appendingPathComponent("damaged.pth").path
        func attempt(_ bytes: [UInt8]) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try TorchFile.load(path)
            } catch let error as TorchFileError {
                XCTAssertEqual(error.file, path)
            }
        }
        for length in 0 ..< original.count { try attempt(Array(original.prefix(length))) }
        for index in original.indices {
            var damaged = original
            damaged[index] ^= 0xFF
            try attempt(damaged)
        }
    }
}

/// A zip entry whose bytes no longer match the CRC-32 its archive records is damaged.
final class ZipChecksumTests: XCTestCase {
    func testFlippedStorageByteFailsTheEntryChecksum() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.string("w")
        p.tensor(storage: "0", count: 4, size: [4], stride: [1])
        p.setItem()
        p.stop()
        let storage = le([Float](arrayLiteral: 1.5, 2.5, 3.5, 4.5))
        var bytes = zipCheckpoint(pickle: p.bytes, storages: [("0", storage)])
        let path = try writeTemporary(bytes, named: "good.pth", self)
        XCTAssertNoThrow(try TorchFile.load(path))
        let at = try XCTUnwrap((0 ... bytes.count - storage.count).first { Array(bytes[$0 ..< $0 + storage.count]) == storage })
        bytes[at + 5] ^= 0x10
        let damaged = try writeTemporary(bytes, named: "flipped.pth", self)
        let error = torchFileError({ try TorchFile.load(damaged) })
        XCTAssertEqual(error?.kind, .corrupt)
        XCTAssert(error?.message.contains("zip entry 'archive/data/0' is damaged") ?? false, "\(String(describing: error))")
    }
}
