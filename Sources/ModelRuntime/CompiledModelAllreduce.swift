import CRDCABI

/// The host's sum across processes, behind the library's C hook (rdc_allreduce_fn).
final class AllreduceBox {
    let sum: (UnsafeMutableRawPointer, Int, Int) -> Void
    init(_ sum: @escaping (UnsafeMutableRawPointer, Int, Int) -> Void) { self.sum = sum }
}

extension CompiledModel {
    /// Makes the library's training steps those of `ranks` processes, each holding a share of
    /// the global batch: every training BatchNorm's per-channel sums (forward and backward)
    /// and, at the end of backward(), every gradient are summed across the processes by
    /// `sum` (in place: `count` elements of `elementSize` bytes, 4 float or 8 double), and the
    /// gradients then divided by `ranks`. After backward() every process holds the gradients
    /// of the global batch's loss (the mean of the processes' losses), and the running
    /// statistics stay the same everywhere. `sum` is called on the thread that calls the
    /// entry points. One rank: no reduction.
    public func setAllreduce(ranks: Int, _ sum: @escaping (_ values: UnsafeMutableRawPointer, _ count: Int, _ elementSize: Int) -> Void) {
        let box = AllreduceBox(sum)
        allreduceHook = box
        setAllreduceHook(Int32(clamping: ranks), Unmanaged.passUnretained(box).toOpaque())
    }

    /// Back to one process.
    public func clearAllreduce() {
        allreduceHook = nil
        setAllreduceHook(1, nil)
    }
}

/// The C hook: calls the AllreduceBox passed as `user`.
let allreduceTrampoline: rdc_allreduce_fn = { values, count, elementSize, user in
    guard let values, let user else { return }
    Unmanaged<AllreduceBox>.fromOpaque(user).takeUnretainedValue().sum(values, Int(count), Int(elementSize))
}
