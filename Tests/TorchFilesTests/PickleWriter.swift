/// Writes pickles opcode by opcode, so tests can build exactly the checkpoints they need
/// (and the hostile ones torch.save would never write).
struct PickleWriter {
    var bytes: [UInt8] = [0x80, 2]  // PROTO 2, as torch.save writes

    mutating func op(_ code: UInt8, _ operand: [UInt8] = []) {
        bytes.append(code)
        bytes += operand
    }

    mutating func mark() { op(0x28) }
    mutating func stop() { op(0x2E) }
    mutating func none() { op(0x4E) }
    mutating func bool(_ value: Bool) { op(value ? 0x88 : 0x89) }
    mutating func emptyTuple() { op(0x29) }
    mutating func emptyDict() { op(0x7D) }
    mutating func emptyList() { op(0x5D) }
    mutating func tuple() { op(0x74) }
    mutating func setItem() { op(0x73) }
    mutating func setItems() { op(0x75) }
    mutating func appends() { op(0x65) }
    mutating func reduce() { op(0x52) }
    mutating func build() { op(0x62) }
    mutating func persistentID() { op(0x51) }
    mutating func put(_ slot: UInt8) { op(0x71, [slot]) }
    mutating func get(_ slot: UInt8) { op(0x68, [slot]) }

    mutating func int(_ value: Int) {
        if (0 ..< 256).contains(value) {
            op(0x4B, [UInt8(value)])
        } else {
            op(0x4A, le(Int32(value)))
        }
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        op(0x58, le(UInt32(utf8.count)) + utf8)
    }

    mutating func global(_ module: String, _ name: String) {
        op(0x63, Array("\(module)\n\(name)\n".utf8))
    }

    mutating func ints(_ values: [Int]) {
        mark()
        for value in values { int(value) }
        tuple()
    }

    /// `torch._utils._rebuild_tensor_v2(<storage key>, offset, size, stride, False, OrderedDict())`.
    /// A `legacy` persistent id has a sixth field: `view` metadata or None.
    mutating func tensor(storage key: String, type: String = "FloatStorage", count: Int,
                         size: [Int], stride: [Int], offset: Int = 0,
                         legacy: Bool = false, view: (offset: Int, count: Int)? = nil) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", type)
        string(key)
        string("cpu")
        int(count)
        if let view {
            mark()
            string(key + "_view")
            int(view.offset)
            int(view.count)
            tuple()
        } else if legacy {
            none()
        }
        tuple()
        persistentID()
        int(offset)
        ints(size)
        ints(stride)
        bool(false)
        global("collections", "OrderedDict")
        emptyTuple()
        reduce()
        tuple()
        reduce()
    }
}

func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian, Array.init)
}

func le(_ values: [Float]) -> [UInt8] {
    values.flatMap { le($0.bitPattern) }
}
