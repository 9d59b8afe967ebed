import Foundation

/// The state of the machine's memory next to a measurement: the nanoseconds of one dependent
/// load while chasing pointers at random through a working set, one cache line per step. This
/// machine is a VM whose L3 other tenants share: a working set of 8 MiB is served by the L3
/// when it is ours (tens of ns) and by DRAM when others hold it (~100 ns, as for 128 MiB). In
/// that state every memory-bound pass slows (docs/performance.md, "session 6"), so the
/// benchmark records it beside each model step instead of leaving it to guesswork.
enum MemoryProbe {
    /// The working sets probed: one the L3 can hold, one it cannot.
    static let sizes = [8 << 20, 128 << 20]

    /// "8MiB" -> ns per load, for each of `sizes`.
    static func measure() -> [String: Double] {
        Dictionary(uniqueKeysWithValues: sizes.map { ("\($0 >> 20)MiB", chase(bytes: $0)) })
    }

    /// Nanoseconds per load over `loads` dependent loads through `bytes` of lines linked in one
    /// cycle, in a random order (a fixed seed). The buffer is mapped apart, on huge pages
    /// where the kernel has them (so the TLB does not add its own misses), and unmapped after:
    /// it never counts in the peak RSS read before.
    static func chase(bytes: Int, loads: Int = 2_000_000) -> Double {
        let perLine = 64 / MemoryLayout<Int>.stride, lines = bytes / 64
        guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return .nan }
        defer { munmap(raw, bytes) }
        madvise(raw, bytes, MADV_HUGEPAGE)
        let slots = raw.bindMemory(to: Int.self, capacity: lines * perLine)
        var order = Array(0..<lines), state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in stride(from: lines - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        for i in 0..<lines { slots[order[i] * perLine] = order[(i + 1) % lines] * perLine }
        var at = 0
        for _ in 0..<lines { at = slots[at] }   // the lines in cache as far as they fit
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<loads { at = slots[at] }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        return at < 0 ? .nan : elapsed / Double(loads)   // (reads `at`, so the chase is kept)
    }
}
