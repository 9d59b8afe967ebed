import Codegen
import DSL
import Foundation
import ModelRuntime
import XCTest

/// The reduction hook (rdc_set_allreduce) against the global batch: two "ranks", contexts of
/// a library compiled for batch B, each given half of the images of a library compiled for
/// 2B and the same parameters, run their steps at once on two threads and sum through a
/// two-party in-process allreduce. They must take the global batch's steps: BatchNorm's
/// statistics synchronized forward and backward, gradients averaged. float64 builds, so the
/// only differences are the order of sums (1e-16).
final class DataParallelTests: XCTestCase {
    func testTwoRanksTakeTheGlobalBatchSteps() throws {
        let half = 2
        let whole = try compile(TinyGraphs.residual(batch: 2 * half), "tiny_dp_whole")
        let ranks = try (0..<2).map { _ in try compile(TinyGraphs.residual(batch: half), "tiny_dp_half") }
        try seedValues(whole, seed: 21)
        let images = try whole.doubles(named: "input")
        for (r, rank) in ranks.enumerated() {
            for info in whole.tensors where info.kind == .parameter || info.kind == .buffer {
                try rank.setDoubles(named: info.name, try whole.doubles(named: info.name))
            }
            try rank.setDoubles(named: "input", Array(images[(r * images.count / 2)..<((r + 1) * images.count / 2)]))
        }
        let sum = TwoPartySum()
        for (r, rank) in ranks.enumerated() { rank.setAllreduce(ranks: 2) { sum.add($0, count: $1, elementSize: $2, rank: r) } }

        for step in 1...20 {
            try whole.forwardTrain()
            try whole.backward()
            let losses = try bothRanks(ranks) { try $0.forwardTrain(); try $0.backward(); return try $0.doubles(named: "loss_flat")[0] }
            try assertClose(whole.doubles(named: "loss_flat")[0], (losses[0] + losses[1]) / 2, "step \(step) loss")
            if step == 1 {
                for info in whole.tensors where info.kind == .gradient {
                    for rank in ranks { try assertClose(whole.doubles(named: info.name), rank.doubles(named: info.name), "step 1 \(info.name)") }
                }
            }
            try whole.adamStep(lr: 0.005, beta1: 0.5, beta2: 0.999)
            _ = try bothRanks(ranks) { try $0.adamStep(lr: 0.005, beta1: 0.5, beta2: 0.999); return 0 }
        }
        for info in whole.tensors where info.kind == .parameter || info.kind == .buffer {
            for rank in ranks { try assertClose(whole.doubles(named: info.name), rank.doubles(named: info.name), "after 20 steps \(info.name)") }
        }
    }

    func testOneRankIsUnchanged() throws {
        // ranks 1 (and clearAllreduce) must leave the library a single process: no sums called.
        let model = try compile(TinyGraphs.residual(), "tiny_dp_one")
        try seedValues(model, seed: 22)
        try model.forwardTrain(); try model.backward()
        let before = try model.doubles(named: "grad.bn.c1.weight")
        var calls = 0
        model.setAllreduce(ranks: 1) { _, _, _ in calls += 1 }
        try model.forwardTrain(); try model.backward()
        model.clearAllreduce()
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(try model.doubles(named: "grad.bn.c1.weight"), before)
    }

    private func compile(_ graph: Graph, _ name: String) throws -> CompiledModel {
        let artifacts = try Codegen.compile(graph: graph, name: name, outDir: try generatedDirectory(self),
                                            options: .init(precision: .float64))
        return try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
    }

    /// `body` on both ranks at once, each on its own thread (their sums wait for each other).
    private func bothRanks(_ ranks: [CompiledModel], _ body: @escaping (CompiledModel) throws -> Double) throws -> [Double] {
        let run = RankThreads(ranks, body)
        DispatchQueue.concurrentPerform(iterations: ranks.count) { run.run($0) }
        return try run.results.map { try $0.get() }
    }

    /// Agreement to 1e-9 of the larger magnitude (float64: only the order of sums differs),
    /// and to 1e-15 absolute: a bias's gradient before a training BatchNorm, which removes
    /// it, is zero, its values (1e-18) the rounding of sums that cancel.
    private func assertClose(_ a: [Double], _ b: [Double], _ what: String) {
        let scale = max(a.map(abs).max() ?? 0, b.map(abs).max() ?? 0, 1e-6)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, 1e-9, "\(what): worst \(worst) of \(scale)")
    }

    private func assertClose(_ a: Double, _ b: Double, _ what: String) { assertClose([a], [b], what) }
}

/// The ranks' step bodies and their results, shared by the threads that run them (each
/// writes its own slot, under the lock).
final class RankThreads: @unchecked Sendable {
    private let ranks: [CompiledModel]
    private let body: (CompiledModel) throws -> Double
    private let lock = NSLock()
    private(set) var results: [Result<Double, Error>]

    init(_ ranks: [CompiledModel], _ body: @escaping (CompiledModel) throws -> Double) {
        self.ranks = ranks
        self.body = body
        results = Array(repeating: .success(0), count: ranks.count)
    }

    func run(_ r: Int) {
        let result = Result { try body(ranks[r]) }
        lock.withLock { results[r] = result }
    }
}

/// An allreduce of two parties in one process: each puts its values in, waits for the
/// other's, and takes slot 0 + slot 1 (the same order for both); then both wait until both
/// have read, so the slots can be used again.
final class TwoPartySum: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [[Double]] = [[], []]
    private var arrived = 0, left = 0, generation = 0

    func add(_ values: UnsafeMutableRawPointer, count: Int, elementSize: Int, rank: Int) {
        precondition(elementSize == 8, "float64 libraries only")
        let p = values.assumingMemoryBound(to: Double.self)
        condition.lock()
        slots[rank] = Array(UnsafeBufferPointer(start: p, count: count))
        arrived += 1
        let mine = generation
        if arrived == 2 { condition.broadcast() } else { while arrived < 2 && generation == mine { condition.wait() } }
        for i in 0..<count { p[i] = slots[0][i] + slots[1][i] }
        left += 1
        if left == 2 {
            (arrived, left) = (0, 0)
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        condition.unlock()
    }
}
