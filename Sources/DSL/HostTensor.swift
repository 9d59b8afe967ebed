/// A dense float32 tensor in host memory, row-major (C-contiguous), NCHW for activations.
/// The common currency between weight files, the reference executor and the generated code.
public struct HostTensor: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "HostTensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { values.count }
}

/// A named tensor as stored in a weight file. Integer buffers (num_batches_tracked) keep
/// their integer values; everything else is float32.
public enum StoredTensor: Equatable, Sendable {
    case float(HostTensor)
    case int64(shape: [Int], values: [Int64])

    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int64(let shape, _): return shape
        }
    }
}
