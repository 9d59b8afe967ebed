/// The result of running one pickle: its top object, the containers it built, and the storages
/// its persistent ids named (by key; the legacy format needs their types to find their bytes).
struct Unpickled {
    let root: PickleValue
    let objects: PickleObjects
    let storages: [String: StorageRef]
}

/// Runs one pickle from `reader.offset` to its STOP, leaving the reader just after it.
///
/// A small pickle machine for the opcodes torch.save emits (protocol 2, plus the protocol 3-5
/// framing, strings and globals a newer pickler might use). It executes nothing: globals resolve
/// through the `TorchGlobal` allowlist and calls are interpreted, never dispatched.
func unpickle(_ reader: inout ByteReader) throws -> Unpickled {
    var machine = PickleMachine()
    let root = try machine.run(&reader)
    return Unpickled(root: root, objects: machine.objects, storages: machine.storages)
}

private struct PickleMachine {
    var objects = PickleObjects()
    var storages: [String: StorageRef] = [:]
    var stack: [PickleValue] = []
    /// Stack heights at each MARK.
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]

    mutating func run(_ reader: inout ByteReader) throws -> PickleValue {
        while true {
            let at = reader.offset
            let code = try reader.byte()
            guard let op = Opcode(rawValue: code) else {
                throw Problem(.unsupported, "pickle opcode 0x\(String(code, radix: 16)) at byte \(at) of \(reader.what) is not one torch.save emits")
            }
            do {
                if let result = try step(op, &reader) { return result }
            } catch let problem as Problem where problem.kind == .corrupt {
                throw Problem(.corrupt, "\(problem.message) (opcode \(op) at byte \(at) of \(reader.what))")
            }
        }
    }

    /// Executes one opcode; returns the pickle's value at STOP.
    mutating func step(_ op: Opcode, _ reader: inout ByteReader) throws -> PickleValue? {
        switch op {
        case .proto: _ = try reader.byte()
        case .frame: try reader.skip(8)  // frames only bound reads ahead; the data is all here
        case .stop: return try pop()

        case .none: stack.append(.none)
        case .newTrue: stack.append(.bool(true))
        case .newFalse: stack.append(.bool(false))
        case .binInt: stack.append(.int(Int(try reader.read(Int32.self))))
        case .binInt1: stack.append(.int(Int(try reader.byte())))
        case .binInt2: stack.append(.int(Int(try reader.read(UInt16.self))))
        case .long1: stack.append(try long(Int(try reader.byte()), &reader))
        case .long4: stack.append(try long(Int(try reader.read(Int32.self)), &reader))
        case .binFloat:  // the one big-endian field in pickle
            stack.append(.float(Double(bitPattern: UInt64(bigEndian: try reader.take(8).loadUnaligned(as: UInt64.self)))))

        case .binUnicode: stack.append(.string(try text(try count32(&reader), &reader)))
        case .binString: stack.append(.string(try text(Int(try reader.read(Int32.self)), &reader)))
        case .shortBinUnicode, .shortBinString: stack.append(.string(try text(Int(try reader.byte()), &reader)))
        case .binUnicode8: stack.append(.string(try text(try count64(&reader), &reader)))
        case .binBytes: stack.append(.bytes(Array(try reader.take(try count32(&reader)))))
        case .shortBinBytes: stack.append(.bytes(Array(try reader.take(Int(try reader.byte())))))

        case .emptyTuple: stack.append(objects.newTuple([]))
        case .emptyList: stack.append(objects.newList())
        case .emptyDict: stack.append(objects.newDict())
        case .mark: marks.append(stack.count)
        case .tuple: stack.append(objects.newTuple(try popToMark()))
        case .tuple1, .tuple2, .tuple3:
            let count = op == .tuple1 ? 1 : op == .tuple2 ? 2 : 3
            guard stack.count - (marks.last ?? 0) >= count else { throw Problem(.corrupt, "stack underflow") }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            stack.append(objects.newTuple(items))

        case .binPut: memo[Int(try reader.byte())] = try top()
        case .longBinPut: memo[Int(try reader.read(UInt32.self))] = try top()
        case .memoize: memo[memo.count] = try top()
        case .binGet: stack.append(try recall(Int(try reader.byte())))
        case .longBinGet: stack.append(try recall(Int(try reader.read(UInt32.self))))

        case .setItem:
            let value = try pop()
            let key = try pop()
            try insert([key, value])
        case .setItems: try insert(try popToMark())
        case .append: try append([try pop()])
        case .appends: try append(try popToMark())

        case .global:
            let module = String(decoding: try reader.line(), as: UTF8.self)
            let name = String(decoding: try reader.line(), as: UTF8.self)
            stack.append(.global(try TorchGlobal(module: module, name: name)))
        case .stackGlobal:
            guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                throw Problem(.corrupt, "STACK_GLOBAL needs two strings")
            }
            stack.append(.global(try TorchGlobal(module: module, name: name)))
        case .reduce, .newObj:
            let args = try pop()
            guard case .tuple(let index) = args, case .global(let callable) = try pop() else {
                throw Problem(.corrupt, "call without a global and an argument tuple")
            }
            stack.append(try callable.call(objects.tuples[index], objects: &objects))
        case .build:
            // The state BUILD applies is an OrderedDict's `_metadata` or a Parameter's attributes:
            // nothing a tensor's values depend on.
            _ = try pop()
            switch try top() {
            case .dict, .tensor: break
            case let other: throw Problem(.corrupt, "BUILD on a \(other.kindName)")
            }
        case .binPersID:
            let storage = try StorageRef(persistentID: try pop(), objects: objects)
            if let known = storages[storage.key], known.type != storage.type || known.rootCount != storage.rootCount {
                throw Problem(.corrupt, "storage '\(storage.key)' is named with two types or sizes")
            }
            storages[storage.key] = storage
            stack.append(.storage(storage))
        }
        return nil
    }

    mutating func pop() throws -> PickleValue {
        guard stack.count > marks.last ?? 0, let value = stack.popLast() else { throw Problem(.corrupt, "stack underflow") }
        return value
    }

    func top() throws -> PickleValue {
        guard stack.count > marks.last ?? 0, let value = stack.last else { throw Problem(.corrupt, "stack underflow") }
        return value
    }

    mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw Problem(.corrupt, "no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    func recall(_ key: Int) throws -> PickleValue {
        guard let value = memo[key] else { throw Problem(.corrupt, "memo slot \(key) is empty") }
        return value
    }

    /// SETITEM(S): key/value pairs into the dict on top of the stack.
    mutating func insert(_ items: [PickleValue]) throws {
        guard items.count % 2 == 0, case .dict(let index) = try top() else {
            throw Problem(.corrupt, "SETITEM(S) needs a dict and key/value pairs")
        }
        for pair in stride(from: 0, to: items.count, by: 2) {
            objects.dicts[index].append((items[pair], items[pair + 1]))
        }
    }

    /// APPEND(S): items onto the list on top of the stack.
    mutating func append(_ items: [PickleValue]) throws {
        guard case .list(let index) = try top() else { throw Problem(.corrupt, "APPEND(S) needs a list") }
        objects.lists[index].append(contentsOf: items)
    }

    func text(_ length: Int, _ reader: inout ByteReader) throws -> String {
        guard length >= 0 else { throw Problem(.corrupt, "negative string length \(length)") }
        return String(decoding: try reader.take(length), as: UTF8.self)
    }

    func count32(_ reader: inout ByteReader) throws -> Int {
        Int(try reader.read(UInt32.self))
    }

    func count64(_ reader: inout ByteReader) throws -> Int {
        let count = try reader.read(UInt64.self)
        guard let int = Int(exactly: count) else { throw Problem(.corrupt, "length \(count) is out of range") }
        return int
    }

    /// LONG1/LONG4: a little-endian two's complement integer of `length` bytes.
    func long(_ length: Int, _ reader: inout ByteReader) throws -> PickleValue {
        guard length >= 0 else { throw Problem(.corrupt, "negative integer length \(length)") }
        let bytes = try reader.take(length)
        guard length <= 8 else { return .bigInt(Array(bytes)) }
        guard let last = bytes.last else { return .int(0) }
        var value: UInt64 = last >= 0x80 ? ~0 : 0  // sign extension
        for byte in bytes.reversed() { value = value << 8 | UInt64(byte) }
        return .int(Int(Int64(bitPattern: value)))
    }
}

/// The opcodes `PickleMachine` runs; any other byte is reported as unsupported.
private enum Opcode: UInt8 {
    case proto = 0x80, frame = 0x95, stop = 0x2E  // "."
    case none = 0x4E, newTrue = 0x88, newFalse = 0x89  // "N"
    case binInt = 0x4A, binInt1 = 0x4B, binInt2 = 0x4D, long1 = 0x8A, long4 = 0x8B  // "J" "K" "M"
    case binFloat = 0x47  // "G"
    case binUnicode = 0x58, shortBinUnicode = 0x8C, binUnicode8 = 0x8D  // "X"
    case binString = 0x54, shortBinString = 0x55  // "T" "U": Python 2 str
    case binBytes = 0x42, shortBinBytes = 0x43  // "B" "C"
    case emptyTuple = 0x29, emptyList = 0x5D, emptyDict = 0x7D, mark = 0x28  // ")" "]" "}" "("
    case tuple = 0x74, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87  // "t"
    case binPut = 0x71, longBinPut = 0x72, memoize = 0x94  // "q" "r"
    case binGet = 0x68, longBinGet = 0x6A  // "h" "j"
    case setItem = 0x73, setItems = 0x75, append = 0x61, appends = 0x65  // "s" "u" "a" "e"
    case global = 0x63, stackGlobal = 0x93  // "c"
    case reduce = 0x52, newObj = 0x81, build = 0x62  // "R" "b"
    case binPersID = 0x51  // "Q"
}
