import Checkpoints
import Foundation
import XCTest

/// Issue 19: input that used to trap, overwrite an input, race another trainer or load
/// damaged weights now stops with a sentence naming the flag, file or layer.
final class ReliabilityTests: XCTestCase {
    /// Runs rdc expecting an error (an exit, not a signal) whose stderr holds every one of `phrases`.
    @discardableResult
    func refused(_ arguments: [String], saying phrases: [String], file: StaticString = #filePath, line: UInt = #line) throws -> E2E.Output {
        let output = try E2E.run(arguments)
        XCTAssertTrue((1...127).contains(output.status), "rdc \(arguments.joined(separator: " ")) exited \(output.status)",
                      file: file, line: line)
        for phrase in phrases {
            XCTAssertTrue(output.stderr.contains(phrase), "rdc \(arguments.joined(separator: " ")): '\(phrase)' not in\n\(output.stderr)",
                          file: file, line: line)
        }
        XCTAssertFalse(output.stderr.contains("NSCocoaErrorDomain"), output.stderr, file: file, line: line)
        return output
    }

    func testSizesThatTrappedAreErrorsNamingTheFlag() throws {
        try refused(["describe", "rd4ad_lite0", "--width-div", "0"], saying: ["--width-div 0", "1, 2, 4, 8"])
        try refused(["describe", "rd4ad_lite0", "--width-div", "17"], saying: ["--width-div 17", "1, 2, 4, 8"])
        try refused(["describe", "rd4ad_lite0", "--width-div=-1"], saying: ["--width-div -1"])
        try refused(["describe", "rd4ad_resnet18", "--width-div", "3"], saying: ["1, 2, 4, 8, 16, 32, 64"])
        for arguments in [["--image-size", "8388608"], ["--image-size", "1073741824", "--batch", "1"], ["--batch", "1000000000000"]] {
            try refused(["describe", "rd4ad_lite0"] + arguments, saying: ["over 2^31 elements", "use a smaller batch or image size"])
        }
        try refused(["describe", "rd4ad_lite0", "--batch", "-1"], saying: ["batch must be >= 1, got -1"])
    }

    func testModelFileWithZeroPlanesNamesTheLayer() throws {
        let model = try String(contentsOf: E2E.packageRoot.appendingPathComponent("Models/rd_resnet18.swift"), encoding: .utf8)
        let folder = try E2E.folder("zero")
        for (name, edited, layer) in [("zero_planes", model.replacingOccurrences(of: "planes: 512)", with: "planes: 0)"), "bn.bn_layer.0.conv1"),
                                      ("zero_embedding", model.replacingOccurrences(of: "embedding: 512,", with: "embedding: 0,"), "decoder.layer1.0")] {
            let file = "\(folder)/\(name).swift"
            try edited.write(toFile: file, atomically: true, encoding: .utf8)
            try refused(["describe", file], saying: [layer])
            try refused(["compile", file, "--emit-only", "--out", "\(folder)/\(name)"], saying: [layer])
        }
    }

    func testOutputsNeverReplaceInputsOrForeignFiles() throws {
        let run = try copyOfTrainedRun()
        let checkpoint = run + "/last.ckpt"
        let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let weights = ["--generated", try E2E.generated(), "--checkpoint", checkpoint]
        try refused(["export"] + weights + ["--out", checkpoint], saying: ["--out \(checkpoint)", "an input of this command"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", checkpoint], saying: ["--report \(checkpoint)", "an input"])
        let foreign = run + "/notes.txt"
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: foreign))
        try refused(["export"] + weights + ["--out", foreign], saying: ["is not an rdc weights file", "--force"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", foreign], saying: ["is not an rdc evaluation report"])
        let images = try E2E.data() + "/test/good"
        try refused(["infer"] + weights + ["--out", images, images], saying: ["--out \(images)", "an input of this command"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", run + "/r.json", "--save-maps", try E2E.data()],
                    saying: ["--save-maps", "an input of this command"])
        // Output folders: new, empty, or written by the same command before; never a user's other files.
        let notes = try E2E.folder("notes"), image = images + "/000.png"
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: notes + "/notes.txt"))
        try refused(["infer"] + weights + ["--out", notes, image], saying: ["--out \(notes) holds other files", "--force"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", run + "/r.json", "--save-maps", notes],
                    saying: ["--save-maps \(notes) holds other files", "--force"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: notes), ["notes.txt"])
        let inferred = try E2E.folder("inferred")
        try E2E.run(["infer"] + weights + ["--out", inferred, image]).check()
        try E2E.run(["infer"] + weights + ["--out", inferred, image]).check()
        try E2E.run(["infer"] + weights + ["--out", notes, image, "--force"]).check()
        XCTAssertEqual(try String(contentsOfFile: notes + "/notes.txt", encoding: .utf8), "mine\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: checkpoint)), before)
        XCTAssertEqual(try String(contentsOfFile: foreign, encoding: .utf8), "mine\n")
        // Its own kind of file is replaced; --force replaces another kind.
        let exported = run + "/w.bin"
        try E2E.run(["export"] + weights + ["--out", exported]).check()
        try E2E.run(["export"] + weights + ["--out", exported]).check()
        try E2E.run(["export"] + weights + ["--out", foreign, "--force"]).check()
        let importing = ["import-checkpoint", "--generated", try E2E.generated(), "--teacher-weights", try E2E.teacherWeights()]
        try refused(importing + [checkpoint, "--out", checkpoint], saying: ["--out \(checkpoint)", "an input of this command"])
        try refused(importing + [exported, "--out", exported], saying: ["an input of this command"])
        try refused(importing + [exported, "--out", run + "/log.csv"], saying: ["is not an rdc checkpoint", "--force"])
    }

    func testSecondTrainerOfARunIsRefusedNamingTheFirst() throws {
        let run = try copyOfTrainedRun()
        let (first, _, _) = try E2E.start(["train", "--resume", run, "--epochs", "100000"])
        defer { kill(first.processIdentifier, SIGKILL); first.waitUntilExit() }
        let lock = run + "/.lock"
        let deadline = Date().addingTimeInterval(120)
        while (try? String(contentsOfFile: lock, encoding: .utf8)) != "\(first.processIdentifier)\n" && Date() < deadline {
            usleep(100_000)
        }
        let temporary = run + "/.last.ckpt.tmp-\(first.processIdentifier)"
        try Data("in flight".utf8).write(to: URL(fileURLWithPath: temporary))
        try refused(["train", "--resume", run, "--epochs", "100000"],
                    saying: ["\(run) is in use by another rdc train (pid \(first.processIdentifier))"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: temporary), "the refused trainer removed the other's temporary file")
        try? FileManager.default.removeItem(atPath: temporary)
    }

    func testDamagedOrMistakenCheckpointsAreNamed() throws {
        let run = try copyOfTrainedRun()
        let checkpoint = run + "/last.ckpt"
        var data = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        data[data.count - 100] ^= 0x40
        let damaged = run + "/damaged.ckpt"
        try data.write(to: URL(fileURLWithPath: damaged))
        let eval = ["eval", "--generated", try E2E.generated(), "--data", try E2E.data(), "--report", run + "/r.json", "--checkpoint"]
        try refused(eval + [damaged], saying: [damaged, "is damaged"])
        try refused(eval + [run], saying: ["\(run) is a folder, not a checkpoint: did you mean \(checkpoint)?"])
        let eight = run + "/eight.bin"
        try Data("ABCDEFGH".utf8).write(to: URL(fileURLWithPath: eight))
        try refused(eval + [eight], saying: ["\(eight) is neither an rdc checkpoint nor a PyTorch file"])
    }

    func testCheckpointOfAnotherInputSizeWarnsAndDropsItsThreshold() throws {
        let run = try copyOfTrainedRun()
        var checkpoint = try Checkpoint(contentsOf: run + "/last.ckpt")
        XCTAssertEqual(checkpoint.metadata["input_size"], "64x64")
        checkpoint.metadata["input_size"] = "256x256"
        checkpoint.metadata["threshold"] = "0.5"
        let other = run + "/at256.ckpt"
        try checkpoint.write(to: other)
        let image = try E2E.data() + "/test/good/000.png"
        let infer = try E2E.run(["infer", "--generated", try E2E.generated(), "--checkpoint", other, image]).check()
        XCTAssertTrue(infer.stderr.contains("warning: \(other) was trained at 256x256, this library takes 64x64; its stored threshold"),
                      infer.stderr)
        XCTAssertFalse(infer.stdout.contains("stored in the checkpoint"), infer.stdout)
    }

    func testFileSystemAndOptionMistakesAreSentences() throws {
        let folder = try E2E.folder("fs")
        let aFile = folder + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: aFile))
        try refused(["compile", "rd4ad_lite0", "--width-div", "8", "--image-size", "64", "--emit-only", "--out", aFile + "/lib"],
                    saying: ["cannot write \(aFile)", "a part of the path is a file, not a folder"])
        let weights = ["--generated", try E2E.generated(), "--checkpoint", try E2E.trainedRun() + "/last.ckpt"]
        let image = try E2E.data() + "/test/good/000.png"
        try refused(["infer"] + weights + ["--out", aFile, image], saying: ["--out \(aFile) is a file", "give a folder"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", folder + "/none/r.json"],
                    saying: ["cannot write \(folder)/none/r.json", "the folder \(folder)/none does not exist"])
        try refused(["eval"] + weights + ["--data", try E2E.data(), "--report", folder + "/r.json", "--save-maps", aFile + "/maps"],
                    saying: ["cannot write \(aFile)/maps", "a part of the path is a file, not a folder"])
        try refused(["train", "--generated", try E2E.generated(), "--data", try E2E.data(), "--teacher-weights",
                     try E2E.teacherWeights(), "--epochs", "1", "--train-limit", "8", "--out", aFile],
                    saying: ["cannot write \(aFile)", "it already exists as a file"])
        try refused(["infer"] + weights + ["--threshold", "nan", image], saying: ["--threshold nan"])
        try refused(["train", "--generated", try E2E.generated(), "--data", try E2E.data(), "--epochs", "-1", "--out", folder + "/run"],
                    saying: ["epochs -1 must be at least 1"])
        try refused(["describe", "rd4ad_lite0", "--teacher-weights", folder], saying: ["\(folder)", "it is a folder, not a file"])
        try refused(["eval"] + weights + ["--data", aFile], saying: ["\(aFile) is a file; give the dataset folder"])
    }

    func testRunWithoutConfigResumesWithTheOptionsGivenAgain() throws {
        let run = try copyOfTrainedRun()
        try FileManager.default.removeItem(atPath: run + "/config.json")
        try refused(["train", "--resume", run], saying: ["config.json is missing", "--generated DIR --data DIR"])
        let resumed = try E2E.run(["train", "--resume", run, "--generated", try E2E.generated(), "--data", try E2E.data(),
                                   "--teacher-weights", try E2E.teacherWeights(), "--epochs", String(E2E.trainedEpochs + 1)]).check()
        XCTAssertTrue(resumed.stdout.contains("resuming"), resumed.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/config.json"))
    }

    func copyOfTrainedRun() throws -> String {
        let copy = try E2E.folder("run")
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: try E2E.trainedRun(), toPath: copy)
        return copy
    }
}
