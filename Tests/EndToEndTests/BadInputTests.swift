import Checkpoints
import DSL
import Foundation
import Imaging
import RDGraphs
import XCTest

/// Each kind of bad input stops with a message naming the culprit, and nothing half-done is left behind.
final class BadInputTests: XCTestCase {
    func train(_ data: String, _ extra: [String] = []) throws -> E2E.Output {
        try E2E.run(["train", "--generated", try E2E.generated(), "--data", data, "--teacher-weights", try E2E.teacherWeights(),
                     "--epochs", "1", "--out", try E2E.folder("run")] + extra)
    }

    func testCorruptPNGIsNamedAndCanBeSkipped() throws {
        let data = try E2E.dataCopy(), bad = data + "/train/good/005.png"
        try Data("\u{89}PNG\r\n\u{1A}\n truncated".utf8).write(to: URL(fileURLWithPath: bad))
        let stopped = try train(data)
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.stderr.contains(bad), stopped.stderr)
        XCTAssertFalse(stopped.stdout.contains("epoch 1/1"), "trained despite the corrupt file:\n\(stopped.stdout)")

        let skipped = try train(data, ["--skip-bad"]).check()
        XCTAssertTrue(skipped.stdout.contains("warning: skipped \(bad)"), skipped.stdout)
        XCTAssertTrue(skipped.stdout.contains("31 training images"), skipped.stdout)
    }

    func testMaskOfAnotherSizeIsNamed() throws {
        let data = try E2E.dataCopy(), mask = data + "/ground_truth/blob/003_mask.png"
        try Image(width: 32, height: 32, channels: 1, bitDepth: 8, samples: [UInt16](repeating: 0, count: 32 * 32)).writePNG(to: mask)
        let eval = try E2E.run(["eval", "--generated", try E2E.generated(), "--checkpoint", try E2E.trainedRun() + "/last.ckpt",
                                "--data", data, "--report", try E2E.folder("report") + "/eval.json"])
        XCTAssertNotEqual(eval.status, 0)
        XCTAssertTrue(eval.stderr.contains(mask) && eval.stderr.contains("32x32") && eval.stderr.contains("64x64"), eval.stderr)
        // Training with evaluation checks the test set before the first epoch.
        let training = try train(data, ["--eval-every", "1"])
        XCTAssertNotEqual(training.status, 0)
        XCTAssertTrue(training.stderr.contains(mask), training.stderr)
    }

    func testEmptyTrainingFolderIsNamed() throws {
        let data = try E2E.dataCopy(), folder = data + "/train/good"
        try FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let output = try train(data)
        XCTAssertNotEqual(output.status, 0)
        XCTAssertTrue(output.stderr.contains("no training images") && output.stderr.contains(folder), output.stderr)
    }

    func testCheckpointOfAnotherModelSaysWhich() throws {
        let other = try Zoo.model("rd4ad_resnet18", widthDiv: 8).graph(batch: 1, height: 64, width: 64)
        let path = try E2E.folder("other") + "/resnet18.ckpt"
        try Checkpoint(fingerprint: ModelFingerprint(other), epoch: 1, step: 1, tensors: [:]).write(to: path)
        let eval = try E2E.run(["eval", "--generated", try E2E.generated(), "--checkpoint", path, "--data", try E2E.data()])
        XCTAssertNotEqual(eval.status, 0)
        XCTAssertTrue(eval.stderr.contains(path) && eval.stderr.contains("'rd4ad_resnet18'") && eval.stderr.contains("'rd4ad_lite0'"),
                      eval.stderr)
    }

    func testNaNLossStopsTrainingAndKeepsTheLastGoodCheckpoint() throws {
        let run = try E2E.folder("nan")
        // 16 images: 2 steps per epoch; step 5, in epoch 3, reports a NaN loss.
        let output = try E2E.run(["train", "--generated", try E2E.generated(), "--data", try E2E.data(),
                                  "--teacher-weights", try E2E.teacherWeights(), "--train-limit", "16", "--epochs", "5",
                                  "--checkpoint-every", "1", "--out", run, "--inject-nan-at-step", "5"])
        XCTAssertNotEqual(output.status, 0)
        XCTAssertTrue(output.stderr.contains("loss is nan at epoch 3, step 5") && output.stderr.contains("last good checkpoint"),
                      output.stderr)
        let graph = try Graph(json: Data(contentsOf: URL(fileURLWithPath: try E2E.generated() + "/graph.json")))
        let kept = try Checkpoint(contentsOf: run + "/last.ckpt", for: graph)
        XCTAssertEqual(kept.epoch, 2)
        XCTAssertTrue(kept.tensors.values.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        XCTAssertEqual(try E2E.losses(run).count, 2)
    }

    /// kill -9 at random moments of a run that checkpoints every epoch: every *.ckpt left
    /// in the run folder loads in full (the atomic rename), and the run resumes from it.
    func testKilledTrainingNeverLeavesATruncatedCheckpoint() throws {
        let run = try E2E.folder("killed")
        let graph = try Graph(json: Data(contentsOf: URL(fileURLWithPath: try E2E.generated() + "/graph.json")))
        var generator = SystemRandomNumberGenerator()
        var resumedFrom = [Int]()
        for _ in 0..<6 {
            let resume = FileManager.default.fileExists(atPath: run + "/last.ckpt")
            let arguments = resume ? ["train", "--resume", run]
                : ["train", "--generated", try E2E.generated(), "--data", try E2E.data(), "--teacher-weights",
                   try E2E.teacherWeights(), "--train-limit", "8", "--epochs", "100000", "--checkpoint-every", "1", "--out", run]
            let (process, _, _) = try E2E.start(arguments)
            usleep(UInt32.random(in: 1_500_000...4_000_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let names = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.hasSuffix(".ckpt") }
            for name in names {
                XCTAssertNoThrow(try Checkpoint(contentsOf: run + "/" + name, for: graph), "\(name) does not load")
            }
            if let checkpoint = try? Checkpoint(contentsOf: run + "/last.ckpt", for: graph) { resumedFrom.append(checkpoint.epoch) }
        }
        XCTAssertFalse(resumedFrom.isEmpty, "no checkpoint was ever written")
        XCTAssertEqual(resumedFrom, resumedFrom.sorted(), "a later checkpoint went back in epochs")
    }
}
