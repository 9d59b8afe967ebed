import ArgumentParser
import DSL
import Foundation

/// FLOPs of one benchmarked step, from the manifest.json `rdc compile` wrote: the counts
/// the compiler itself made for its kernels, so GFLOP/s measure the code that ran.
struct StepFlops {
    /// forward_train + backward: a step whose teacher runs (epoch 1).
    var trainingStep: Int
    /// The same without the teacher's forward: a step from cached teacher features.
    var cachedTrainingStep: Int
    /// forward_eval: teacher, student, losses, anomaly maps and scores.
    var forwardEval: Int

    private struct Manifest: Decodable {
        var flops: Flops
        var kernels: [Kernel]
        struct Flops: Decodable {
            var training_step: Int
            var forward_eval: Int
        }
        struct Kernel: Decodable {
            var name: String
            var flops: Int
        }
    }

    init(generated: String, graph: Graph) throws {
        let url = URL(fileURLWithPath: generated).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ValidationError("\(url.path) not found: is \(generated) a folder written by `rdc compile`?")
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        // Kernels are named after their graph node (k042_layer2_0_conv1_fwd); the teacher's are
        // its nodes' forward kernels. Its `_fold` kernels run once, not per step, and are in no count.
        let teacher = manifest.kernels.filter { k in
            guard !k.name.hasSuffix("_fold"), let node = Int(k.name.dropFirst().prefix { $0.isNumber }),
                  graph.nodes.indices.contains(node) else { return false }
            return graph.nodes[node].role == .teacher || graph.nodes[node].role == .input
        }
        trainingStep = manifest.flops.training_step
        cachedTrainingStep = trainingStep - teacher.map(\.flops).reduce(0, +)
        forwardEval = manifest.flops.forward_eval
    }
}
