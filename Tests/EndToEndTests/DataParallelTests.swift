import Checkpoints
import Datasets
import Foundation
import XCTest

/// rdc train under mpirun -np 2: one RD4AD-Lite0 (64x64) trained data-parallel, against one
/// process holding the whole global batch. The datasets are exactly one global batch, so that
/// every step of both runs sees the same images and the runs must agree step by step.
///
/// Until the compiler's reduction hook is merged (Sources/ModelRuntime/CompiledModelAllreduce.swift
/// is a stub) each rank trains on its own half of the batch and the equality tests fail.
final class DataParallelTests: XCTestCase {
    private static let epochs = 20

    /// A synthetic dataset of `images` training images (and a few test images).
    private static func dataset(_ images: Int) throws -> String {
        let root = try E2E.folder("dp-data-\(images)")
        try SyntheticDataset.write(to: URL(fileURLWithPath: root), trainCount: images, testNormalCount: 2,
                                   testAnomalousCount: 2, size: 64, seed: 11)
        return root
    }

    /// The libraries compiled so far in this test process (XCTest runs the tests one at a time).
    nonisolated(unsafe) private static var compiled = Set<String>()

    private static func compile(batch: Int, float64: Bool) throws -> String {
        let out = E2E.work.appendingPathComponent("generated/lite0_64_b\(batch)\(float64 ? "_f64" : "")").path
        guard !compiled.contains(out) else { return out }
        try E2E.run(["compile", "rd4ad_lite0", "--image-size", "64", "--batch", String(batch), "--out", out]
                    + (float64 ? ["--float64"] : [])).check()
        compiled.insert(out)
        return out
    }

    private static func trainArguments(generated: String, data: String, out: String, epochs: Int) throws -> [String] {
        ["train", "--generated", generated, "--data", data, "--teacher-weights", try E2E.teacherWeights(),
         "--epochs", String(epochs), "--checkpoint-every", "1", "--out", out]
    }

    /// One process of batch 2B and two ranks of batch B on the same 2B images: the same run,
    /// `epochs` steps of it.
    private func trainBoth(batch: Int, float64: Bool, epochs: Int = DataParallelTests.epochs) throws -> (alone: String, ranks: String) {
        let data = try Self.dataset(2 * batch)
        let alone = try E2E.folder("dp-alone"), ranks = try E2E.folder("dp-ranks")
        try E2E.run(try Self.trainArguments(generated: try Self.compile(batch: 2 * batch, float64: float64), data: data, out: alone,
                                            epochs: epochs),
                    environment: ["OMP_NUM_THREADS": "1"]).check()
        let (two, seconds) = try MPIRun.run(try MPIRun.mpirun(), try MPIRun.arguments(ranks: 2, try Self.trainArguments(
            generated: try Self.compile(batch: batch, float64: float64), data: data, out: ranks, epochs: epochs)
            + ["--global-batch", String(2 * batch)]),
            seconds: 300, environment: MPIRun.asRoot)
        try two.check()
        print("data-parallel, 2 ranks x batch \(batch), \(epochs) steps: \(seconds) s")
        XCTAssertTrue(two.stdout.contains("batches of \(2 * batch) (2 ranks x \(batch)) per epoch"), two.stdout)
        return (alone, ranks)
    }

    /// float64: the losses of every step and every tensor of the checkpoint after 20 steps
    /// agree. The reduction only reorders sums, so float64 runs agree to ~1e-12 (in memory,
    /// to 1e-9: CodegenTests' DataParallelTests); the files show less: log.csv has 8 decimals
    /// and checkpoints hold float32, so a value may differ there by one float32 rounding
    /// (2^-24 of the tensor's largest).
    func testTwoRanksTrainAsOneProcessInFloat64() throws {
        let (alone, ranks) = try trainBoth(batch: 2, float64: true)
        let (expected, got) = (try E2E.losses(alone), try E2E.losses(ranks))
        XCTAssertEqual(got.count, Self.epochs)
        for (step, (e, g)) in zip(expected, got).enumerated() {
            XCTAssertEqual(g, e, accuracy: 2e-8 + 1e-9 * abs(e), "loss of step \(step + 1)")
        }
        try assertCheckpointsAgree(alone, ranks, within: 1.2e-7)
    }

    /// float32: the first step's loss to 1e-6 and its gradients to 1e-5 of each tensor's
    /// largest (after one Adam step, adam_m is (1 - beta1) times the gradient); 20 steps'
    /// losses within 2%. Past the first step the runs are not expected to agree tensor by
    /// tensor: float32's order noise flips ReLU masks and Adam turns the gradients of
    /// near-zero entries into full steps (docs/numerics.md).
    func testTwoRanksTrainAsOneProcessInFloat32() throws {
        let first = try trainBoth(batch: 4, float64: false, epochs: 1)
        let (e1, g1) = (try E2E.losses(first.alone), try E2E.losses(first.ranks))
        XCTAssertEqual(g1.first ?? .nan, e1[0], accuracy: 1e-6 * abs(e1[0]), "loss of step 1")
        try assertCheckpointsAgree(first.alone, first.ranks, within: 1e-5, steps: 1) { $0.hasPrefix("adam_m.") }

        let (alone, ranks) = try trainBoth(batch: 4, float64: false)
        let (expected, got) = (try E2E.losses(alone), try E2E.losses(ranks))
        XCTAssertEqual(got.count, Self.epochs)
        for (step, (e, g)) in zip(expected, got).enumerated() {
            XCTAssertEqual(g, e, accuracy: 0.02 * abs(e), "loss of step \(step + 1)")
        }
    }

    /// The tensors of the two runs' last.ckpt (those `selected`) agree to `within` of each
    /// tensor's largest magnitude.
    private func assertCheckpointsAgree(_ alone: String, _ ranks: String, within: Double, steps: Int = DataParallelTests.epochs,
                                        selected: (String) -> Bool = { _ in true }) throws {
        let expected = try Checkpoint(contentsOf: alone + "/last.ckpt"), got = try Checkpoint(contentsOf: ranks + "/last.ckpt")
        XCTAssertEqual(got.step, steps)
        XCTAssertEqual(Set(got.tensors.keys), Set(expected.tensors.keys))
        var differing = [String]()
        for (name, e) in expected.tensors.sorted(by: { $0.key < $1.key }) where selected(name) {
            guard let g = got.tensors[name] else { continue }
            let scale = max(e.values.map { abs(Double($0)) }.max() ?? 0, Double(Float.leastNormalMagnitude))
            let worst = zip(e.values, g.values).map { abs(Double($0) - Double($1)) }.max() ?? 0
            if worst > within * scale { differing.append("\(name) (\(worst / scale))") }
        }
        XCTAssertEqual(differing, [], "\(differing.count) of \(expected.tensors.count) tensors differ")
    }

    /// Rank 1 killed after the first checkpoint: mpirun ends rank 0 within seconds and names the
    /// dead rank, the checkpoint is intact, and the run resumes alone (any N) to its end.
    func testAKilledRankEndsTheJobAndTheRunResumesAlone() throws {
        let mpirun = try MPIRun.mpirun(), generated = try Self.compile(batch: 4, float64: false)
        let data = try Self.dataset(8), out = try E2E.folder("dp-killed")
        let arguments = try MPIRun.arguments(ranks: 2, try Self.trainArguments(generated: generated, data: data, out: out,
                                                                                epochs: 100000))
        let (process, stdout, stderr) = try E2E.start(arguments, program: mpirun, environment: MPIRun.asRoot)
        let started = Date()
        while !FileManager.default.fileExists(atPath: out + "/last.ckpt") && process.isRunning
            && Date().timeIntervalSince(started) < 120 { usleep(50_000) }
        guard let rank1 = MPIRun.rankProcess(1, of: process.processIdentifier) else {
            process.terminate()
            return XCTFail("no rank 1 running:\n\(E2E.output(of: process, arguments: arguments, out: stdout, err: stderr))")
        }
        kill(rank1, SIGKILL)
        let killed = Date()
        while process.isRunning && Date().timeIntervalSince(killed) < 30 { usleep(50_000) }
        let took = Date().timeIntervalSince(killed)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let result = E2E.output(of: process, arguments: arguments, out: stdout, err: stderr)
        XCTAssertLessThan(took, 10, "rank 0 went on after rank 1 died")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue((result.stdout + result.stderr).contains("rank 1"), result.stdout + result.stderr)
        print("data-parallel job ended \(took) s after rank 1 was killed")

        let checkpoint = try Checkpoint(contentsOf: out + "/last.ckpt")  // verified (CRC) as it loads
        let resumed = try E2E.run(["train", "--resume", out, "--epochs", String(checkpoint.epoch + 2)],
                                  environment: ["OMP_NUM_THREADS": "1"]).check()
        XCTAssertTrue(resumed.stdout.contains("resuming \(out)/last.ckpt after epoch \(checkpoint.epoch)"), resumed.stdout)
        XCTAssertEqual(try Checkpoint(contentsOf: out + "/last.ckpt").epoch, checkpoint.epoch + 2)
        XCTAssertEqual(try E2E.losses(out).count, checkpoint.epoch + 2)
    }

    /// Ranks with other settings, or with models compiled for other batches, refuse to start,
    /// each differing rank saying how, and write nothing.
    func testRanksStartedDifferentlyRefuse() throws {
        let mpirun = try MPIRun.mpirun(), data = try Self.dataset(8), generated = try Self.compile(batch: 4, float64: false)
        for (what, second) in [("epochs", ["--epochs", "3"]), ("batch", ["--generated", try E2E.generated()])] {
            let out = try E2E.folder("dp-differ")
            let first = try Self.trainArguments(generated: generated, data: data, out: out, epochs: 2)
            let (result, _) = try MPIRun.run(mpirun, try MPIRun.arguments(ranks: 1, first) + [":", "-np", "1", try E2E.rdc()]
                                             + first + second, seconds: 60, environment: MPIRun.asRoot)
            XCTAssertNotEqual(result.status, 0, what)
            let said = result.stdout + result.stderr
            XCTAssertTrue(said.contains("rank 1 started with settings"), "\(what): \(said)")
            XCTAssertTrue(said.contains("ranks 1 started differently from rank 0") || said.contains("rank 1 started differently"),
                          "\(what): \(said)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), [], "\(what): a rank wrote the run")
        }
    }

    /// --global-batch that is not the ranks times the compiled batch says how to get it.
    func testAGlobalBatchTheRanksDoNotMakeIsRefused() throws {
        let out = try E2E.folder("dp-global")
        let arguments = try Self.trainArguments(generated: try Self.compile(batch: 4, float64: false), data: try Self.dataset(8),
                                                out: out, epochs: Self.epochs) + ["--global-batch", "6"]
        let (result, _) = try MPIRun.run(try MPIRun.mpirun(), try MPIRun.arguments(ranks: 2, arguments), seconds: 60,
                                         environment: MPIRun.asRoot)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("is compiled for batch 4 per rank; 2 ranks make a global batch of 2x4 = 8, not 6: "
                                             + "recompile with --batch 3"), result.stdout + result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/last.ckpt"))
    }
}
