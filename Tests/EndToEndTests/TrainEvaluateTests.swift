import Foundation
import Imaging
import Metrics
import XCTest

/// Train on the synthetic set, evaluate, read the saved maps back.
final class TrainEvaluateTests: XCTestCase {
    func testTrainingLowersTheLossAndFindsTheBlobs() throws {
        let runDir = try E2E.trainedRun()
        let losses = try E2E.losses(runDir)
        XCTAssertEqual(losses.count, E2E.trainedEpochs)
        XCTAssertLessThan(losses.last!, 0.7 * losses.first!, "loss per epoch: \(losses)")

        let maps = try E2E.folder("maps"), report = maps + "/eval.json"
        let eval = try E2E.run(["eval", "--generated", try E2E.generated(), "--checkpoint", runDir + "/last.ckpt",
                                "--data", try E2E.data(), "--save-maps", maps, "--report", report]).check()
        XCTAssertTrue(eval.stdout.contains("image AUROC") && eval.stdout.contains("overall"), eval.stdout)
        let overall = try XCTUnwrap((try E2E.json(report)["rows"] as? [[String: Any]])?.last)
        XCTAssertEqual(overall["defectType"] as? String, "overall")
        let imageAUROC = try XCTUnwrap(overall["imageAUROC"] as? Double)
        let pixel = try XCTUnwrap(overall["pixelAUROC"] as? Double)
        XCTAssertGreaterThanOrEqual(imageAUROC, 0.9, eval.stdout)
        XCTAssertGreaterThanOrEqual(pixel, 0.9, eval.stdout)
        XCTAssertNotNil(overall["pro"] as? Double, eval.stdout)

        // The saved files hold exactly what eval computed: each map's maximum is its image's
        // score, and the metrics recomputed from the files are the report's.
        let shape = try String(contentsOfFile: maps + "/maps/shape.txt", encoding: .utf8)
        XCTAssertEqual(shape, "64 64\n")
        let rows = try String(contentsOfFile: maps + "/scores.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "path,label,score")
        XCTAssertEqual(rows.count, 17)
        var scores = [Double](), labels = [Bool](), samples = [SegmentationSample]()
        for row in rows.dropFirst() {
            let fields = row.split(separator: ",").map(String.init)
            let score = try XCTUnwrap(Float(fields[2]))
            let map = try readFloat32(maps + "/maps/" + fields[0].dropLast(4) + ".f32")
            XCTAssertEqual(map.count, 64 * 64)
            XCTAssertEqual(map.max(), score, "\(fields[0]): the score is not its map's maximum")
            scores.append(Double(score))
            labels.append(fields[1] == "1")
            let maskPath = try E2E.data() + "/ground_truth/" + fields[0].dropFirst(5).dropLast(4) + "_mask.png"
            let mask = fields[1] == "1" ? try Image(pngFile: maskPath).samples.map { $0 > 127 } : [Bool](repeating: false, count: 64 * 64)
            samples.append(SegmentationSample(width: 64, height: 64, map: map, mask: mask))
            XCTAssertTrue(FileManager.default.fileExists(atPath: maps + "/maps/" + fields[0]), "no heat map for \(fields[0])")
        }
        // (To JSON's precision: its doubles are read back within an ulp or two.)
        XCTAssertEqual(rocAUC(scores: scores, labels: labels), imageAUROC, accuracy: 1e-12)
        XCTAssertEqual(pixelAUROC(samples), pixel, accuracy: 1e-12)
    }

    /// Stopping after epoch 1 and resuming gives the same weights as training straight
    /// through: batch order, Adam state and running statistics all carry over.
    func testResumeContinuesExactly() throws {
        let common = ["--generated", try E2E.generated(), "--data", try E2E.data(), "--teacher-weights", try E2E.teacherWeights(),
                      "--train-limit", "16", "--checkpoint-every", "1"]
        let straight = try E2E.folder("straight"), resumed = try E2E.folder("resumed")
        try E2E.run(["train", "--epochs", "3", "--out", straight] + common).check()
        try E2E.run(["train", "--epochs", "1", "--out", resumed] + common).check()
        let second = try E2E.run(["train", "--resume", resumed, "--epochs", "3"]).check()
        XCTAssertTrue(second.stdout.contains("after epoch 1"), second.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: straight + "/last.ckpt")),
                       try Data(contentsOf: URL(fileURLWithPath: resumed + "/last.ckpt")))
        XCTAssertEqual(try E2E.losses(straight), try E2E.losses(resumed))
    }

    private func readFloat32(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(data.count % 4, 0)
        var values = [Float](repeating: 0, count: data.count / 4)
        values.withUnsafeMutableBytes { _ = data.copyBytes(to: $0) }  // little-endian host
        return values
    }
}
