/// Pass: memory planning. All scratch of an entry point's timeline lives in ONE arena; a
/// buffer occupies its bytes from the first kernel that touches it to the last, and
/// buffers whose lifetimes overlap never share bytes. The training timeline runs the
/// forward, the maps and the backward in one sequence, so forward activations the backward
/// reads stay alive across the calls. Placement is greedy, largest buffer first, at the
/// lowest offset free over its whole lifetime.
struct MemoryPlan {
    static let alignment = 64

    /// Byte offset in the arena per buffer; nil for buffers this timeline does not use.
    let offsets: [Int?]
    let lifetimes: [ClosedRange<Int>?]
    /// Bytes the arena needs for this timeline.
    let arenaBytes: Int
    /// What the scratch would take with a buffer each.
    let bufferBytes: Int

    init(_ program: Program, timeline: [Int]) {
        var lifetimes: [ClosedRange<Int>?] = Array(repeating: nil, count: program.buffers.count)
        for (t, k) in timeline.enumerated() {
            for arg in program.kernels[k].args where program.buffers[arg.buffer].placement == .arena {
                lifetimes[arg.buffer] = lifetimes[arg.buffer].map { $0.lowerBound...t } ?? t...t
            }
        }
        let sizes = program.buffers.indices.map { MemoryPlan.aligned(program.bytes(of: $0)) }
        let order = lifetimes.indices.filter { lifetimes[$0] != nil }
            .sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var offsets: [Int?] = Array(repeating: nil, count: program.buffers.count)
        var placed: [Int] = []
        var end = 0
        for b in order {
            let life = lifetimes[b]!
            let busy = placed.filter { lifetimes[$0]!.overlaps(life) }
                .map { (offsets[$0]!, offsets[$0]! + sizes[$0]) }.sorted { $0.0 < $1.0 }
            var offset = 0
            for (lo, hi) in busy {
                if offset + sizes[b] <= lo { break }
                offset = max(offset, hi)
            }
            offsets[b] = offset
            placed.append(b)
            end = max(end, offset + sizes[b])
        }
        self.offsets = offsets
        self.lifetimes = lifetimes
        arenaBytes = end
        bufferBytes = order.map { sizes[$0] }.reduce(0, +)
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
}

/// Byte offsets of the state: every buffer placed in the state, in creation order.
struct StateLayout {
    let offsets: [Int?]
    let bytes: Int

    init(_ program: Program) {
        var offsets: [Int?] = Array(repeating: nil, count: program.buffers.count)
        var end = 0
        for (i, b) in program.buffers.enumerated() where b.placement == .state {
            offsets[i] = end
            end += MemoryPlan.aligned(program.bytes(of: i))
        }
        self.offsets = offsets
        bytes = end
    }
}
