import ModelRuntime
import Foundation

/// manifest.json beside the generated C: kernels with FLOPs and bytes, the memory plans,
/// and the tensor table with state offsets (the parameter layout). Keys sorted, arrays in
/// program order: the same graph gives the same bytes.
struct Manifest: Encodable {
    var model: String
    var graph: String
    var abi_version: Int
    var precision: String
    /// The frozen teacher's precision (float64 by default in a float32 model: WideTeacher).
    var teacher_precision: String
    /// The scalar output rdc_backward differentiates: loss_flat or loss_pixel.
    var loss: String
    var flops: Flops
    var state_bytes: Int
    var arena_bytes: Int
    var plans: [Plan]
    var kernels: [KernelEntry]
    var tensors: [TensorEntry]

    struct Flops: Encodable {
        var forward_train: Int
        var backward: Int
        var training_step: Int
        var forward_eval: Int
    }

    struct Plan: Encodable {
        var timeline: String
        var arena_bytes: Int
        var buffer_bytes: Int
        var buffers: [PlacedBuffer]
    }

    struct PlacedBuffer: Encodable {
        var name: String
        var bytes: Int
        var offset: Int
        var first_kernel: Int
        var last_kernel: Int
    }

    struct KernelEntry: Encodable {
        var name: String
        var summary: String
        var flops: Int
        var bytes: Int
    }

    struct TensorEntry: Encodable {
        var name: String
        var kind: String
        var shape: [Int]
        var offset: Int
        var trainable: Bool
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

extension Manifest {
    init(_ e: EmitC, graph: String, loss: String, flops: Flops) {
        let p = e.program
        func plan(_ name: String, _ m: MemoryPlan) -> Plan {
            let placed = p.buffers.indices.filter { m.offsets[$0] != nil }
            return Plan(timeline: name, arena_bytes: m.arenaBytes, buffer_bytes: m.bufferBytes,
                        buffers: placed.map { b in
                            PlacedBuffer(name: p.buffers[b].name, bytes: p.bytes(of: b), offset: m.offsets[b]!,
                                         first_kernel: m.lifetimes[b]!.lowerBound, last_kernel: m.lifetimes[b]!.upperBound)
                        })
        }
        self.init(model: p.name, graph: graph, abi_version: abiVersion, precision: p.precision.rawValue,
                  teacher_precision: (p.teacherUnit ? Precision.float64 : p.precision).rawValue, loss: loss, flops: flops,
                  state_bytes: e.state.bytes, arena_bytes: e.arenaBytes,
                  plans: [plan("train", e.train), plan("eval", e.eval)],
                  kernels: EmitC.kernelOrder(p).map { k in
                      let kernel = p.kernels[k]
                      return KernelEntry(name: kernel.name, summary: kernel.summary[0], flops: kernel.flops,
                                         bytes: kernel.args.map { p.bytes(of: $0.buffer) }.reduce(0, +))
                  },
                  tensors: e.table.map { row in
                      let b = p.buffers[row.buffer]
                      return TensorEntry(name: row.name, kind: b.exposed!.label, shape: b.shape,
                                         offset: e.state.offsets[row.buffer]!, trainable: b.trainable)
                  })
    }
}
