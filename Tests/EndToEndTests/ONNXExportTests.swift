import Checkpoints
import Datasets
import DSL
import Foundation
import Imaging
import XCTest

/// `rdc export --onnx` checked in onnxruntime against rdc itself, on real images (ELPV solar
/// cells): every map within 1e-4 of its maximum and every score within 1e-4 relative of what
/// `rdc eval --save-maps` and `rdc infer` give, for a depthwise ReLU6 graph (Lite0) and a
/// ResNet one at a size that is not square.
final class ONNXExportTests: XCTestCase {
    func testLite0ExportMatchesRDC() throws {
        let checkpoint = try E2E.folder("onnx-lite0") + "/model.ckpt"
        try FileManager.default.copyItem(atPath: try E2E.trainedRun() + "/last.ckpt", toPath: checkpoint)
        let (report, _) = try checkExport(generated: try E2E.generated(), checkpoint: checkpoint, saveThreshold: true)
        let graph = try Graph(json: Data(contentsOf: URL(fileURLWithPath: try E2E.generated() + "/graph.json")))
        let stored = try Checkpoint(contentsOf: checkpoint, for: graph).metadata["threshold"]
        XCTAssertNotNil(stored)
        XCTAssertEqual(metadata(report)["threshold"].flatMap(Double.init), stored.flatMap(Double.init))
    }

    func testResNet18ExportMatchesRDC() throws {
        // Not square, so that a swap of height and width in the heads shows.
        let generated = try E2E.folder("onnx-resnet18") + "/rd18_64x96"
        try E2E.run(["compile", "rd4ad_resnet18", "--width-div", "8", "--image-size", "64x96", "--batch", "2",
                     "--out", generated]).check()
        let graph = try Graph(json: Data(contentsOf: URL(fileURLWithPath: generated + "/graph.json")))
        let checkpoint = generated + ".ckpt"
        try Checkpoint(fingerprint: ModelFingerprint(graph), epoch: 0, step: 0, tensors: randomWeights(graph))
            .write(to: checkpoint)
        let (report, _) = try checkExport(generated: generated, checkpoint: checkpoint, saveThreshold: false)
        XCTAssertNil(metadata(report)["threshold"], "no threshold stored, none exported")
    }

    /// A model file with an op the zoo does not use: LeakyReLU after the embedding, exported as
    /// ONNX's LeakyRelu (DSL Activation) and run in onnxruntime against rdc.
    func testLeakyReLUModelFileExportMatchesRDC() throws {
        let dir = try E2E.folder("onnx-leaky")
        let modelFile = dir + "/rd_leaky.swift", generated = dir + "/rd_leaky"
        try """
            import DSL
            import RDGraphs

            emit(RD4AD("rd_leaky", height: 64, width: 96, batch: 2) {
                ResNetTeacher(ResNetSpec.resnet18.dividingWidth(by: 8))
            } ocbe: {
                OneClassEmbedding(taps: [8, 16, 32], block: .basic, blocks: 2, planes: 64)
                OCBE { LeakyReLU(0.1) }
            } decoder: {
                StudentDecoder(embedding: 64, block: .basic, layers: [2, 2, 2], planes: [32, 16, 8])
            })

            """.write(toFile: modelFile, atomically: true, encoding: .utf8)
        try E2E.run(["compile", modelFile, "--out", generated]).check()
        XCTAssertTrue(try String(contentsOfFile: generated + "/rd_leaky.c", encoding: .utf8).contains("(real)0.1f"),
                      "no kernel applies the slope")
        let graph = try Graph(json: Data(contentsOf: URL(fileURLWithPath: generated + "/graph.json")))
        let checkpoint = generated + ".ckpt"
        try Checkpoint(fingerprint: ModelFingerprint(graph), epoch: 0, step: 0, tensors: randomWeights(graph))
            .write(to: checkpoint)
        _ = try checkExport(generated: generated, checkpoint: checkpoint, saveThreshold: false)
    }

    func testExportTakesExactlyOneOutputAndKeepsForeignFiles() throws {
        let dir = try E2E.folder("onnx-flags"), checkpoint = try E2E.trainedRun() + "/last.ckpt"
        let base = ["export", "--generated", try E2E.generated(), "--checkpoint", checkpoint]
        for flags in [[], ["--out", dir + "/w.bin", "--onnx", dir + "/m.onnx"]] {
            let refused = try E2E.run(base + flags)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("exactly one of --out") && refused.stderr.contains("--onnx"), refused.stderr)
        }
        let foreign = dir + "/notes.onnx"
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: foreign))
        let kept = try E2E.run(base + ["--onnx", foreign])
        XCTAssertNotEqual(kept.status, 0)
        XCTAssertTrue(kept.stderr.contains("not an ONNX model rdc wrote"), kept.stderr)
        XCTAssertEqual(try String(contentsOfFile: foreign, encoding: .utf8), "not a model")
        let own = dir + "/model.onnx"
        try E2E.run(base + ["--onnx", own]).check()
        try E2E.run(base + ["--onnx", own]).check()
        XCTAssertNotEqual(try E2E.run(base + ["--onnx", checkpoint, "--force"]).status, 0, "an input is never replaced")
    }

    /// Exports, has rdc score a few ELPV test images (eval for the maps, infer for the
    /// scores) and onnxruntime run the same preprocessed images in one batch (not the
    /// library's compiled batch); returns onnxruntime's report and the images' count.
    @discardableResult
    private func checkExport(generated: String, checkpoint: String, saveThreshold: Bool) throws -> ([String: Any], Int) {
        let elpv = E2E.packageRoot.appendingPathComponent(".deps/elpv_dataset/data").path
        guard FileManager.default.fileExists(atPath: elpv + "/labels.csv") else {
            throw XCTSkip("\(elpv) is missing: make deps installs the ELPV images")
        }
        _ = try ONNXChecker.python()
        let dir = try E2E.folder("onnx-check"), model = dir + "/model.onnx", saved = dir + "/eval"
        try E2E.run(["eval", "--generated", generated, "--checkpoint", checkpoint, "--data", elpv, "--test-limit", "3",
                     "--save-maps", saved] + (saveThreshold ? ["--save-threshold"] : [])).check()
        let export = try E2E.run(["export", "--generated", generated, "--checkpoint", checkpoint, "--onnx", model]).check()
        XCTAssertTrue(export.stdout.contains("wrote \(model)"), export.stdout)

        let shape = try String(contentsOfFile: saved + "/maps/shape.txt", encoding: .utf8).split(whereSeparator: \.isWhitespace)
        let (height, width) = (Int(shape[0])!, Int(shape[1])!)
        let names = try String(contentsOfFile: saved + "/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: ",")[0]) }
        XCTAssertGreaterThanOrEqual(names.count, 3)
        let paths = names.map { elpv + "/" + $0 }
        let infer = try E2E.run(["infer", "--generated", generated, "--checkpoint", checkpoint] + paths).check()
        let rdcScores = infer.stdout.split(separator: "\n").prefix(paths.count).map { Float($0.split(separator: "\t")[1])! }
        let items = paths.map { DatasetItem(name: $0, source: .file($0), label: 0, defectType: "") }
        let images = try DatasetLoader(width: width, height: height).load(items).images

        let onnx = try ONNXChecker.run(model: model, images: images)
        let plane = height * width
        var worstMap: Float = 0, worstScore: Float = 0
        XCTAssertEqual(onnx.scores.count, paths.count)
        XCTAssertEqual(onnx.maps.count, paths.count * plane)
        for (i, name) in names.enumerated() where onnx.scores.count == paths.count && onnx.maps.count == paths.count * plane {
            let rdcMap = try ONNXChecker.floats(saved + "/maps/" + (name as NSString).deletingPathExtension + ".f32")
            let onnxMap = onnx.maps[(i * plane)..<((i + 1) * plane)]
            let largest = rdcMap.map(abs).max() ?? 0
            let worst = zip(rdcMap, onnxMap).map { abs($0 - $1) }.max() ?? .infinity
            worstMap = max(worstMap, worst / largest)
            worstScore = max(worstScore, abs(onnx.scores[i] - rdcScores[i]) / abs(rdcScores[i]))
            XCTAssertLessThanOrEqual(worst, 1e-4 * largest, "\(name): map differs by \(worst), its maximum is \(largest)")
            XCTAssertEqual(onnx.scores[i], rdcScores[i], accuracy: 1e-4 * abs(rdcScores[i]), name)
        }
        print("onnxruntime vs rdc, \(paths.count) images: map error up to \(worstMap) of the map's maximum, "
              + "score error up to \(worstScore) relative")

        let inputs = onnx.report["inputs"] as? [[String: Any]], outputs = onnx.report["outputs"] as? [[String: Any]]
        func described(_ values: [[String: Any]]?) -> [String] {
            (values ?? []).map { "\($0["name"] ?? "") " + (($0["shape"] as? [Any]) ?? []).map { "\($0)" }.joined(separator: ",") }
        }
        XCTAssertEqual(described(inputs), ["image N,3,\(height),\(width)"])
        XCTAssertEqual(described(outputs), ["anomaly_map N,\(height),\(width)", "score N"])
        XCTAssertEqual(onnx.report["producer"] as? String, "rdc")
        let meta = metadata(onnx.report)
        XCTAssertEqual(meta["image_size"], "\(height)x\(width)")
        XCTAssertEqual(meta["mean"]?.split(separator: ",").compactMap { Float($0) }, RD4ADPreprocessing.imageNetMean)
        XCTAssertEqual(meta["std"]?.split(separator: ",").compactMap { Float($0) }, RD4ADPreprocessing.imageNetStd)
        return (onnx.report, paths.count)
    }

    private func metadata(_ report: [String: Any]) -> [String: String] {
        report["metadata"] as? [String: String] ?? [:]
    }

    /// Seeded weights of the right shapes for a model no pretrained file exists for: conv
    /// weights scaled by their fan-in, BatchNorm statistics near (0, 1).
    private func randomWeights(_ graph: Graph) -> [String: HostTensor] {
        var random = SplitMix64(seed: 20)
        func uniform(_ low: Float, _ high: Float) -> Float {
            low + (high - low) * Float(random.next() >> 40) / Float(1 << 24)
        }
        var tensors: [String: HostTensor] = [:]
        for p in graph.parameters {
            let fanIn = Float(max(p.shape.dims.dropFirst().reduce(1, *), 1))
            let (low, high): (Float, Float)
            switch p.kind {
            case .weight where p.shape.rank > 1: (low, high) = (-(6 / fanIn).squareRoot(), (6 / fanIn).squareRoot())
            case .weight, .runningVar: (low, high) = (0.5, 1.5)
            case .bias, .runningMean: (low, high) = (-0.1, 0.1)
            case .batchCounter: (low, high) = (0, 0)
            }
            tensors[p.name] = HostTensor(shape: p.shape.dims, values: (0..<p.shape.count).map { _ in uniform(low, high) })
        }
        return tensors
    }
}
