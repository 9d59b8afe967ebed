import ArgumentParser
import DSL
import Foundation

/// `rdc kernels DIR --profile`: times training steps of a compiled model the way `rdc bench
/// --what train` does (ModelBench: seeded stand-in weights, setInput + forwardTrain +
/// backward + adamStep) and tabulates the library's per-kernel profile: time per step,
/// GFLOP/s and share of the step, slowest first, then the total. Threads: OMP_NUM_THREADS.
struct KernelsProfile {
    var generated: String
    var steps: Int

    func render() throws -> String {
        guard steps >= 1 else { throw ValidationError("--steps >= 1") }
        let threads = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"].flatMap { Int($0) } ?? 0
        let record = try ModelBench(generated: generated)
            .measure(.train, timer: StepTimer(steps: steps, warmup: 1, maxSeconds: .infinity), threads: threads)
        guard let kernels = record.profile else {
            throw ValidationError("\(generated)'s library has no per-kernel profile (rdc_profile_*): compile it again")
        }
        let runs = Double(record.timesS?.count ?? steps)
        let total = kernels.map(\.seconds).reduce(0, +) / runs
        let flops = kernels.map { Double($0.flops * $0.calls) }.reduce(0, +) / runs
        var rows = [["kernel", "family", "ms/step", "GFLOP/s", "share"]]
        for k in kernels.sorted(by: { ($0.seconds, $1.name) > ($1.seconds, $0.name) }) {
            let s = k.seconds / runs
            rows.append([k.name, k.family, String(format: "%.2f", s * 1e3),
                         k.flops == 0 ? "-" : String(format: "%.1f", Double(k.flops * k.calls) / runs / max(s, 1e-12) / 1e9),
                         String(format: "%.1f%%", 100 * s / max(total, 1e-12))])
        }
        rows.append(["total (\(kernels.count) kernels)", "", String(format: "%.2f", total * 1e3),
                     String(format: "%.1f", flops / max(total, 1e-12) / 1e9), ""])
        let head = "\(record.model ?? generated): training step, median \(String(format: "%.3f", record.medianS ?? 0)) s "
            + "over \(Int(runs)) steps, threads \(threads == 0 ? "OpenMP default" : String(threads))\n"
        return head + renderTable(rows, rightAligned: [2, 3, 4]) + "\n" + families(kernels, runs: runs, total: total)
    }

    /// The same per family: time per step, GFLOP/s, share.
    private func families(_ kernels: [KernelTime], runs: Double, total: Double) -> String {
        var byFamily: [String: (seconds: Double, flops: Double)] = [:]
        for k in kernels {
            byFamily[k.family, default: (0, 0)].seconds += k.seconds / runs
            byFamily[k.family, default: (0, 0)].flops += Double(k.flops * k.calls) / runs
        }
        var rows = [["family", "ms/step", "GFLOP/s", "share"]]
        for (family, f) in byFamily.sorted(by: { ($0.value.seconds, $1.key) > ($1.value.seconds, $0.key) }) {
            rows.append([family, String(format: "%.2f", f.seconds * 1e3),
                         f.flops == 0 ? "-" : String(format: "%.1f", f.flops / max(f.seconds, 1e-12) / 1e9),
                         String(format: "%.1f%%", 100 * f.seconds / max(total, 1e-12))])
        }
        return renderTable(rows, rightAligned: [1, 2, 3])
    }
}
