import DSL

#if _endian(big)
#error("TorchFiles copies little-endian storage bytes straight into Swift arrays")
#endif

/// Copies a tensor out of its storage bytes into a contiguous `StoredTensor`, whatever its strides.
/// Floating-point dtypes become float32 (`HostTensor`), integer and bool dtypes int64.
/// `root` holds the bytes of the whole root storage and is at least `rootCount` elements long.
func materialize(_ tensor: TensorRef, name: String, root: UnsafeRawBufferPointer) throws -> StoredTensor {
    let storage = tensor.storage
    let layout = "size \(tensor.size), stride \(tensor.stride), offset \(tensor.offset)"
    guard tensor.size.count == tensor.stride.count, tensor.offset >= 0,
          tensor.size.allSatisfy({ $0 >= 0 }), tensor.stride.allSatisfy({ $0 >= 0 }) else {
        throw Problem(.corrupt, "tensor '\(name)' has an invalid layout (\(layout))")
    }
    var count = 1
    var lastElement = tensor.offset
    for (size, stride) in zip(tensor.size, tensor.stride) {
        let (newCount, countOverflow) = count.multipliedReportingOverflow(by: size)
        let (reach, reachOverflow) = max(size - 1, 0).multipliedReportingOverflow(by: stride)
        let (newLast, lastOverflow) = lastElement.addingReportingOverflow(reach)
        guard !countOverflow, !reachOverflow, !lastOverflow else {
            throw Problem(.corrupt, "tensor '\(name)' is too large (\(layout))")
        }
        count = newCount
        lastElement = newLast
    }
    guard count > 0 else {  // nothing to read, wherever the (unused) offset points
        return storage.type.isFloatingPoint
            ? .float(HostTensor(shape: tensor.size, values: [])) : .int64(shape: tensor.size, values: [])
    }
    guard lastElement < storage.viewCount else {
        throw Problem(.corrupt, "tensor '\(name)' (\(layout)) reaches element \(lastElement) of storage '\(storage.key)', which has \(storage.viewCount)")
    }
    // Only zero strides (expanded tensors) make a tensor bigger than its storage; bound what that
    // may allocate so a hostile file cannot ask for terabytes.
    guard count <= max(storage.viewCount, 1 << 28) else {
        throw Problem(.unsupported, "tensor '\(name)' expands \(storage.viewCount) stored elements to \(count)")
    }

    let base = storage.viewOffset + tensor.offset
    let contiguous = isContiguous(size: tensor.size, stride: tensor.stride)
    let shape = tensor.size
    switch storage.type {
    case .float32 where contiguous:
        return .float(HostTensor(shape: shape, values: copy(root, from: base, count: count)))
    case .int64 where contiguous:
        return .int64(shape: shape, values: copy(root, from: base, count: count))
    case .float32: return .float(HostTensor(shape: shape, values: gather(tensor, base, root, count) { $0 as Float }))
    case .float64: return .float(HostTensor(shape: shape, values: gather(tensor, base, root, count) { Float($0 as Double) }))
    case .float16: return .float(HostTensor(shape: shape, values: gather(tensor, base, root, count) { Float($0 as Float16) }))
    case .bfloat16:  // the top half of a float32
        return .float(HostTensor(shape: shape, values: gather(tensor, base, root, count) { Float(bitPattern: UInt32($0 as UInt16) << 16) }))
    case .int64: return .int64(shape: shape, values: gather(tensor, base, root, count) { $0 as Int64 })
    case .int32: return .int64(shape: shape, values: gather(tensor, base, root, count) { Int64($0 as Int32) })
    case .int16: return .int64(shape: shape, values: gather(tensor, base, root, count) { Int64($0 as Int16) })
    case .int8: return .int64(shape: shape, values: gather(tensor, base, root, count) { Int64($0 as Int8) })
    case .uint8: return .int64(shape: shape, values: gather(tensor, base, root, count) { Int64($0 as UInt8) })
    case .bool: return .int64(shape: shape, values: gather(tensor, base, root, count) { ($0 as UInt8) == 0 ? 0 : 1 })
    }
}

/// Row-major with no gaps; strides of size-1 dimensions do not matter.
private func isContiguous(size: [Int], stride: [Int]) -> Bool {
    var expected = 1
    for (size, stride) in zip(size, stride).reversed() where size != 1 {
        guard stride == expected else { return false }
        expected *= size
    }
    return true
}

/// `count` elements from element `first` on, in one copy: the common case, and fast.
private func copy<T>(_ root: UnsafeRawBufferPointer, from first: Int, count: Int) -> [T] {
    let size = MemoryLayout<T>.stride
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: root[first * size ..< (first + count) * size]))
        initialized = count
    }
}

/// Visits the tensor's elements in row-major order, converting each stored value with `convert`.
private func gather<Stored, Value>(_ tensor: TensorRef, _ base: Int, _ root: UnsafeRawBufferPointer, _ count: Int,
                                   _ convert: (Stored) -> Value) -> [Value] {
    let byteSize = MemoryLayout<Stored>.stride
    let sizes = tensor.size, strides = tensor.stride
    let rank = sizes.count
    let rowLength = sizes.last ?? 1, rowStride = strides.last ?? 0
    return [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
        // Rows of the last dimension in a plain loop; the outer dimensions advance like an
        // odometer, tracking the storage element where the next row starts.
        var outer = [Int](repeating: 0, count: max(rank - 1, 0))
        var rowStart = base
        var i = 0
        while i < count {
            var element = rowStart
            for _ in 0 ..< rowLength {
                buffer.initializeElement(at: i, to: convert(root.loadUnaligned(fromByteOffset: element * byteSize, as: Stored.self)))
                element += rowStride
                i += 1
            }
            var dim = rank - 2
            while dim >= 0 {
                outer[dim] += 1
                rowStart += strides[dim]
                if outer[dim] < sizes[dim] { break }
                rowStart -= strides[dim] * sizes[dim]
                outer[dim] = 0
                dim -= 1
            }
        }
        initialized = count
    }
}
