import Distributed
import Foundation
import ModelRuntime

/// The ranks' copies of one model in a data-parallel job, kept identical: rank 0's starting
/// state is copied to every rank, and the library's reduction hook sums BatchNorm statistics
/// and gradients across the ranks, so every rank takes the same Adam step. The hook's calls
/// are timed (`reductions`), for the step-time report and the benchmark.
final class ModelReplicas {
    let communicator: any Communicator
    /// Time spent in the library's reductions since the last `takeReductions()`.
    private var reductions = Reductions()

    struct Reductions {
        var seconds = 0.0
        var calls = 0
        var bytes = 0
    }

    init(communicator: any Communicator) { self.communicator = communicator }

    var ranks: Int { communicator.size }

    /// Rank 0 alone writes the run's files (checkpoints, log, config) and evaluates.
    var isWriter: Bool { communicator.rank == 0 }

    /// Every parameter, running statistic and Adam moment, and the epoch and Adam step count,
    /// as rank 0 has them, on every rank (one broadcast per tensor, in the library's tensor
    /// order, which `Trainer.startFacts` has made the same on every rank). Full precision:
    /// a float64 library's values travel as doubles.
    func broadcastState(of library: CompiledModel, epoch: inout Int) throws {
        guard ranks > 1 else { return }
        let kinds = ModelState.weightKinds.union(ModelState.optimizerKinds)
        for info in library.tensors where kinds.contains(info.kind) {
            var values = isWriter ? try library.doubles(named: info.name) : [Double](repeating: 0, count: info.count)
            try values.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) }
            if !isWriter { try library.setDoubles(named: info.name, values) }
        }
        var counters = [Int64(epoch), Int64(library.adamSteps)]
        try counters.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) }
        epoch = Int(counters[0])
        library.adamSteps = Int(counters[1])
    }

    /// Makes `library`'s training steps those of the job (no hook in a job of one rank). A
    /// reduction that fails ends the job: the library cannot go on with half-summed values,
    /// and the other ranks would wait for this one forever.
    func attach(to library: CompiledModel) {
        guard ranks > 1 else { return }
        library.setAllreduce(ranks: ranks) { [self] pointer, count, elementSize in
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                switch elementSize {
                case MemoryLayout<Float>.stride:
                    try communicator.allreduceSum(UnsafeMutableBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: count))
                case MemoryLayout<Double>.stride:
                    try communicator.allreduceSum(UnsafeMutableBufferPointer(start: pointer.assumingMemoryBound(to: Double.self), count: count))
                default:
                    communicator.abort("the model library asked to sum \(elementSize)-byte values; rdc sums floats and doubles")
                }
            } catch {
                communicator.abort("summing \(count) values across the ranks failed: \(error)")
            }
            reductions.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            reductions.calls += 1
            reductions.bytes += count * elementSize
        }
    }

    /// Evaluation runs on rank 0 alone, without the hook, so that nothing it calls can wait
    /// for ranks that are not evaluating.
    func detach(from library: CompiledModel) {
        guard ranks > 1 else { return }
        library.clearAllreduce()
    }

    /// The reductions since the last call, and starts counting afresh.
    func takeReductions() -> Reductions {
        defer { reductions = Reductions() }
        return reductions
    }

    /// The mean of `value` over the ranks (each rank's loss is that of its share of the batch).
    func mean(_ value: Double) throws -> Double {
        guard ranks > 1 else { return value }
        var sum = [value]
        try sum.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0) }
        return sum[0] / Double(ranks)
    }

    func barrier() throws {
        guard ranks > 1 else { return }
        try communicator.barrier()
    }

    /// The least of the ranks' `value`s.
    func minimum(_ value: Int) throws -> Int {
        guard ranks > 1 else { return value }
        var values = [Double](repeating: 0, count: ranks)  // each rank fills its own slot; the sum gathers them
        values[communicator.rank] = Double(value)
        try values.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0) }
        return Int(values.min() ?? 0)
    }

    /// Rank 0 has checked `facts` against every rank's (`Communicator.checkAgreement`).
    func checkAgreement(on facts: [String]) throws {
        guard ranks > 1 else { return }
        do { try communicator.checkAgreement(on: facts) } catch { throw RanksDisagree(description: "\(error)") }
    }
}

/// The ranks of a data-parallel job were started differently (other arguments, compiled model
/// or data): every rank refuses, and the job ends in order (MPI finalized), each rank having
/// said how it differs.
public struct RanksDisagree: Error, CustomStringConvertible {
    public var description: String
}
