import Foundation
import GoldenCases
import XCTest

/// Inference with a trained checkpoint, the threshold eval stores, official checkpoints,
/// and the exported weights driven from plain C.
final class InferExportTests: XCTestCase {
    func testStoredThresholdGivesVerdictsAndHeatMaps() throws {
        let checkpoint = try E2E.folder("threshold") + "/model.ckpt"
        try FileManager.default.copyItem(atPath: try E2E.trainedRun() + "/last.ckpt", toPath: checkpoint)
        let eval = try E2E.run(["eval", "--generated", try E2E.generated(), "--checkpoint", checkpoint, "--data", try E2E.data(),
                                "--save-threshold"]).check()
        XCTAssertTrue(eval.stdout.contains("stored threshold"), eval.stdout)

        let out = try E2E.folder("infer"), data = try E2E.data()
        let infer = try E2E.run(["infer", "--generated", try E2E.generated(), "--checkpoint", checkpoint, "--out", out,
                                 data + "/test/blob/000.png", data + "/test/good"]).check()
        let lines = infer.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix(data + "/test/blob/000.png\t") && $0.hasSuffix("\tanomalous") }, infer.stdout)
        XCTAssertEqual(lines.filter { $0.contains("/test/good/") && $0.hasSuffix("\tnormal") }.count, 8, infer.stdout)
        XCTAssertTrue(infer.stdout.contains("(stored in the checkpoint)"), infer.stdout)
        for name in ["000.png", "good/000.png", "good/007.png", "scores.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), "missing \(out)/\(name)")
        }
    }

    func testPlainCProgramScoresLikeInfer() throws {
        let generated = try E2E.generated(), checkpoint = try E2E.trainedRun() + "/last.ckpt"
        let dir = try E2E.folder("c"), weights = dir + "/weights.bin", program = dir + "/score_png"
        try E2E.run(["export", "--generated", generated, "--checkpoint", checkpoint, "--out", weights]).check()
        let cc = try runProgram("/usr/bin/cc", ["-O2", "-I", generated, E2E.packageRoot.path + "/examples/score_png.c",
                                          "-o", program, "-ldl", "-lpng"])
        XCTAssertEqual(cc.status, 0, cc.output)
        for image in ["test/blob/003.png", "test/good/005.png"] {
            let path = try E2E.data() + "/" + image
            let c = try runProgram(program, [generated + "/liblite0_64.so", weights, path])
            XCTAssertEqual(c.status, 0, c.output)
            let infer = try E2E.run(["infer", "--generated", generated, "--checkpoint", checkpoint, path]).check()
            let fromC = try XCTUnwrap(Double(c.output.trimmingCharacters(in: .whitespacesAndNewlines)), c.output)
            let fromRDC = try XCTUnwrap(Double(infer.stdout.split(separator: "\t")[1].prefix { $0 != "\n" }), infer.stdout)
            XCTAssertEqual(fromC, fromRDC, accuracy: 1e-4, image)
        }
        // The weights file carries a CRC-32: a flipped byte is refused, not scored with.
        var damaged = try Data(contentsOf: URL(fileURLWithPath: weights))
        damaged[damaged.count / 2] ^= 0x08
        try damaged.write(to: URL(fileURLWithPath: weights))
        let refused = try runProgram(program, [generated + "/liblite0_64.so", weights, try E2E.data() + "/test/good/005.png"])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.output.contains("the file is damaged"), refused.output)
    }

    /// An official RD4AD checkpoint ({'bn', 'decoder'}) scores the same read directly or
    /// converted to an rdc checkpoint, and can start training.
    func testOfficialCheckpointImports() throws {
        let official = try E2E.officialLite0Checkpoint(), teacher = try E2E.teacherWeights()
        let generated = try E2E.generated(), image = try E2E.data() + "/test/blob/001.png"
        let converted = try E2E.folder("import") + "/imported.ckpt"
        try E2E.run(["import-checkpoint", "--generated", generated, "--teacher-weights", teacher, official,
                     "--out", converted]).check()
        let direct = try E2E.run(["infer", "--generated", generated, "--checkpoint", official, "--teacher-weights", teacher,
                                  image]).check()
        let viaRDC = try E2E.run(["infer", "--generated", generated, "--checkpoint", converted, image]).check()
        XCTAssertEqual(direct.stdout, viaRDC.stdout)

        let missingTeacher = try E2E.run(["infer", "--generated", generated, "--checkpoint", official, image])
        XCTAssertNotEqual(missingTeacher.status, 0)
        XCTAssertTrue(missingTeacher.stderr.contains("--teacher-weights"), missingTeacher.stderr)

        let run = try E2E.folder("student-init")
        try E2E.run(["train", "--generated", generated, "--data", try E2E.data(), "--teacher-weights", teacher,
                     "--student-init", official, "--epochs", "1", "--train-limit", "8", "--out", run]).check()
    }
}
