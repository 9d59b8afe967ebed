import DSL
import TorchFiles
import XCTest

/// Hand-built checkpoints for what the golden files do not exercise: dtypes, strides, views,
/// ZIP64, newer pickle opcodes.
final class SyntheticCheckpointTests: XCTestCase {
    /// `{'model': {'w': float32 [2,3] transposed from storage 0, 'h': float16 [2], 'd': float64 [2]},
    ///   'b': bfloat16 [2], 'i': int32 [3] at offset 1, 'flag': bool [2], 'epoch': 7}`, in folder `ckpt_v2/`.
    private func mixedCheckpoint(zip64: Bool = false) -> [UInt8] {
        var p = PickleWriter()
        p.emptyDict()
        p.mark()
        p.string("model")
        p.global("collections", "OrderedDict")
        p.emptyTuple()
        p.reduce()
        p.mark()
        p.string("w")
        p.tensor(storage: "0", count: 6, size: [2, 3], stride: [1, 2])
        p.string("h")
        p.tensor(storage: "1", type: "HalfStorage", count: 2, size: [2], stride: [1])
        p.string("d")
        p.tensor(storage: "2", type: "DoubleStorage", count: 2, size: [2], stride: [1])
        p.setItems()
        p.string("b")
        p.tensor(storage: "3", type: "BFloat16Storage", count: 2, size: [2], stride: [1])
        p.string("i")
        p.tensor(storage: "4", type: "IntStorage", count: 4, size: [3], stride: [1], offset: 1)
        p.string("flag")
        p.tensor(storage: "5", type: "BoolStorage", count: 2, size: [2], stride: [1])
        p.string("epoch")
        p.int(7)
        p.setItems()
        p.stop()
        return zipCheckpoint(folder: "ckpt_v2", pickle: p.bytes, storages: [
            ("0", le([1, 2, 3, 4, 5, 6] as [Float])),
            ("1", le(Float16(1.5).bitPattern) + le(Float16(-2).bitPattern)),
            ("2", le((0.25 as Double).bitPattern) + le((-8 as Double).bitPattern)),
            ("3", le(UInt16(Float(3).bitPattern >> 16)) + le(UInt16(Float(-0.5).bitPattern >> 16))),
            ("4", le(Int32(9)) + le(Int32(-1)) + le(Int32(2)) + le(Int32(70000))),
            ("5", [0, 1]),
        ], zip64: zip64)
    }

    private func checkMixed(_ dict: StateDict) throws {
        XCTAssertEqual(dict.keys, ["model.w", "model.h", "model.d", "b", "i", "flag"])
        XCTAssertEqual(dict["model.w"], .float(HostTensor(shape: [2, 3], values: [1, 3, 5, 2, 4, 6])))
        XCTAssertEqual(dict["model.h"], .float(HostTensor(shape: [2], values: [1.5, -2])))
        XCTAssertEqual(dict["model.d"], .float(HostTensor(shape: [2], values: [0.25, -8])))
        XCTAssertEqual(dict["b"], .float(HostTensor(shape: [2], values: [3, -0.5])))
        XCTAssertEqual(dict["i"], .int64(shape: [3], values: [-1, 2, 70000]))
        XCTAssertEqual(dict["flag"], .int64(shape: [2], values: [0, 1]))
    }

    func testDtypesStridesAndNesting() throws {
        try checkMixed(try TorchFile.load(try writeTemporary(mixedCheckpoint(), named: "mixed.pth", self)))
    }

    func testZip64() throws {
        try checkMixed(try TorchFile.load(try writeTemporary(mixedCheckpoint(zip64: true), named: "mixed64.pth", self)))
    }

    func testSubdict() throws {
        let dict = try TorchFile.load(try writeTemporary(mixedCheckpoint(), named: "mixed.pth", self))
        let model = dict.subdict("model")
        XCTAssertEqual(model.keys, ["w", "h", "d"])
        XCTAssertEqual(model.file, dict.file)
        XCTAssertEqual(dict.subdict("model.").keys, model.keys)
    }

    /// Python 3 pickles (protocol 4): FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, NEWOBJ,
    /// BINFLOAT, plus a Parameter wrapper and an OrderedDict `_metadata` BUILD.
    func testProtocol4Opcodes() throws {
        var p = PickleWriter()
        p.bytes = [0x80, 4, 0x95] + le(UInt64(0))  // PROTO 4, FRAME
        func short(_ text: String) { p.op(0x8C, [UInt8(text.utf8.count)] + Array(text.utf8)) }
        short("collections")
        short("OrderedDict")
        p.op(0x93)  // STACK_GLOBAL
        p.op(0x94)  // MEMOIZE -> slot 0
        p.emptyTuple()
        p.op(0x81)  // NEWOBJ
        short("scale")
        p.op(0x47, withUnsafeBytes(of: (2.5 as Double).bitPattern.bigEndian, Array.init))  // BINFLOAT: skipped
        p.setItem()
        short("weight")
        p.global("torch._utils", "_rebuild_parameter")
        p.mark()
        p.tensor(storage: "0", count: 2, size: [2], stride: [1])
        p.bool(true)
        p.global("collections", "OrderedDict")
        p.emptyTuple()
        p.reduce()
        p.tuple()
        p.reduce()
        p.setItem()
        p.emptyDict()  // BUILD state: {'_metadata': {}}
        short("_metadata")
        p.emptyDict()
        p.setItem()
        p.build()
        p.stop()
        let file = zipCheckpoint(pickle: p.bytes, storages: [("0", le([7, 8] as [Float]))])
        let dict = try TorchFile.load(try writeTemporary(file, named: "p4.pth", self))
        XCTAssertEqual(dict.keys, ["weight"])
        XCTAssertEqual(try dict.float("weight").values, [7, 8])
    }

    /// Legacy storages may be views of a larger root storage.
    func testLegacyViews() throws {
        var p = PickleWriter()
        p.emptyDict()
        p.mark()
        p.string("first")
        p.tensor(storage: "root", count: 5, size: [2], stride: [1], legacy: true, view: (offset: 1, count: 2))
        p.string("whole")
        p.tensor(storage: "root", count: 5, size: [5], stride: [1], legacy: true)
        p.string("steps")
        p.tensor(storage: "counter", type: "LongStorage", count: 1, size: [], stride: [], legacy: true)
        p.setItems()
        p.stop()
        let file = legacyCheckpoint(pickle: p.bytes, storages: [
            ("counter", 1, le(Int64(42))),
            ("root", 5, le([10, 11, 12, 13, 14] as [Float])),
        ])
        let dict = try TorchFile.load(try writeTemporary(file, named: "legacy.pth", self))
        XCTAssertEqual(dict["first"], .float(HostTensor(shape: [2], values: [11, 12])))
        XCTAssertEqual(dict["whole"], .float(HostTensor(shape: [5], values: [10, 11, 12, 13, 14])))
        XCTAssertEqual(dict["steps"], .int64(shape: [], values: [42]))
    }
}
