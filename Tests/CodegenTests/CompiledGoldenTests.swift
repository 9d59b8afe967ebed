import Codegen
import DSL
import Foundation
import GoldenCases
import RDGraphs
import TorchFiles
import XCTest

/// The compiled C against PyTorch, for every case of the golden folder: the training
/// forward, every gradient, the running statistics, one Adam step, and the eval forward.
final class CompiledGoldenTests: XCTestCase {
    static let features = ["t1", "t2", "t3", "ocbe_l1", "ocbe_l2", "ocbe_cat", "ocbe", "s1", "s2", "s3", "amap1", "amap2", "amap3"]
    static let maps = ["amap_sum", "amap_smooth", "image_scores"]
    static let losses = ["loss_flat", "loss_pixel"] + (1...3).flatMap { ["loss_flat.scale\($0)", "loss_pixel.scale\($0)"] }

    func testEveryCase() throws {
        let cases = try GoldenCase.all()
        XCTAssertFalse(cases.isEmpty, "no golden case under \(GoldenCase.root.path)")
        let out = try generatedDirectory(self)
        for golden in cases { try check(golden, out: out) }
    }

    /// Every 3x3 stride-1 convolution through Winograd, also the small ones the default leaves
    /// on the implicit GEMM (the ResNet18 case's have too few tiles).
    func testEveryCaseWithWinogradWherever() throws {
        let out = try generatedDirectory(self)
        for golden in try GoldenCase.all() { try check(golden, out: out, winograd: .wherever) }
    }

    private func check(_ golden: GoldenCase, out: String, winograd: Codegen.Winograd = .whereItWins) throws {
        let c = golden.config
        let graph = try Zoo.model(c.model, widthDiv: c.widthDiv).graph(batch: c.batch, height: c.height, width: c.width)
        // Its own library name per policy: one process dlopens both.
        let name = modelName(for: golden.name) + (winograd == .wherever ? "_winograd" : "")
        let artifacts = try Codegen.compile(graph: graph, name: name, outDir: out, options: .init(winograd: winograd))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
        let initial = try weights(golden)
        let ignored = try model.load(parameters: initial)
        // Only what no node reads may be left out: unused modules and batch counters.
        let read = Set(graph.nodes.flatMap(\.params))
        XCTAssertEqual(ignored.filter { read.contains($0) }, [], "\(golden.name): parameters the graph reads were not loaded")

        // Training forward: teacher in eval mode, the student with batch statistics.
        try model.setInput(golden.tensor("input"))
        try model.forwardTrain()
        for name in Self.features { try expectFeature(model, name, golden.tensor(name), golden.name) }
        for name in Self.losses { try expectScalar(model, name, golden.scalar(name), golden.name) }
        try model.anomalyMaps()
        for name in Self.maps { try expectFeature(model, name, golden.tensor(name), golden.name) }

        // Gradients of loss_flat; PyTorch stores zeros for parameters nothing reads.
        try model.backward()
        for name in golden.tensorNames where name.hasPrefix("grad.") {
            let expected = try golden.tensor(name)
            if model.tensors.contains(where: { $0.name == name }) {
                let (d, m) = deviation(try model.doubles(named: name), expected.values.map(Double.init))
                XCTAssertLessThanOrEqual(d, 1e-2 * m + 1e-6, "\(golden.name) \(name): max|a-b| \(d), max|b| \(m)")
            } else {
                XCTAssertEqual(expected.values.map(abs).max() ?? 0, 0, "\(golden.name): \(name) is not zero but the model has no such gradient")
            }
        }
        for name in golden.tensorNames where name.hasPrefix("running.") {
            let key = String(name.dropFirst("running.".count))
            guard model.tensors.contains(where: { $0.name == key }) else {
                XCTAssertFalse(read.contains(key), "\(golden.name): the model lacks \(key), which the graph reads")
                continue
            }
            try expectFeature(model, key, golden.tensor(name), golden.name)
        }

        // One Adam step from the initial parameters with PyTorch's own gradients.
        try model.load(parameters: initial)
        for info in model.tensors where info.kind == .gradient { try model.setTensor(named: info.name, golden.tensor(info.name)) }
        let adam = try adamSettings(golden)
        model.adamSteps = 0
        try model.adamStep(lr: adam.lr, beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps)
        XCTAssertEqual(model.adamSteps, 1)
        for info in model.tensors where info.kind == .parameter && info.trainable {
            let expected = try golden.tensor("after." + info.name)
            let (d, m) = deviation(try model.doubles(named: info.name), expected.values.map(Double.init))
            XCTAssertLessThanOrEqual(d, 1e-6 * max(1, m), "\(golden.name) after.\(info.name): max|a-b| \(d)")
        }

        // Eval mode with the stored parameters after the step and running statistics.
        var after = initial
        for name in golden.tensorNames where name.hasPrefix("after.") || name.hasPrefix("running.") {
            after[String(name.drop { $0 != "." }.dropFirst())] = try golden.tensor(name)
        }
        try model.load(parameters: after)
        try model.forwardEval()
        for name in golden.tensorNames where name.hasPrefix("eval.") {
            try expectFeature(model, String(name.dropFirst("eval.".count)), golden.tensor(name), golden.name, label: name)
        }
        for name in ["loss_flat", "loss_pixel"] { try expectScalar(model, name, golden.scalar("eval." + name), golden.name) }
        let scores = try model.doubles(named: "image_scores")
        for b in 0..<c.batch {
            let s = try golden.scalar("eval.score.\(b)")
            XCTAssertLessThanOrEqual(abs(scores[b] - s), 1e-4 * max(1, abs(s)), "\(golden.name) eval.score.\(b)")
        }

        // The student alone, from teacher features set by hand, gives the same forwards.
        for t in ["t1", "t2", "t3"] { try model.setTensor(named: t, golden.tensor(t)) }
        try model.forwardEvalFromFeatures()
        for name in ["s1", "s2", "s3", "amap_smooth"] {
            try expectFeature(model, name, golden.tensor("eval." + name), golden.name, label: "features eval." + name)
        }
        try model.load(parameters: initial)
        try model.forwardTrainFromFeatures()
        for name in ["s1", "s2", "s3"] { try expectFeature(model, name, golden.tensor(name), golden.name, label: "features " + name) }
        try expectScalar(model, "loss_flat", golden.scalar("loss_flat"), golden.name)
    }

    private func expectFeature(_ model: CompiledModel, _ name: String, _ expected: HostTensor, _ label: String,
                               label what: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let (d, m) = deviation(try model.doubles(named: name), expected.values.map(Double.init))
        XCTAssertLessThanOrEqual(d, 1e-4 * max(1, m), "\(label) \(what ?? name): max|a-b| \(d), max|b| \(m)", file: file, line: line)
    }

    private func expectScalar(_ model: CompiledModel, _ name: String, _ expected: Double, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let value = try model.doubles(named: name)[0]
        XCTAssertLessThanOrEqual(abs(value - expected), 1e-4 * abs(expected), "\(label) \(name): \(value) vs \(expected)", file: file, line: line)
    }

    /// Teacher and initial student tensors by state-dict name (float tensors only).
    private func weights(_ golden: GoldenCase) throws -> [String: HostTensor] {
        var all: [String: HostTensor] = [:]
        for path in [golden.teacherWeights.path, golden.studentWeights.path] {
            let dict = try TorchFile.load(path)
            for key in dict.keys { if case .float(let t) = dict[key] { all[key] = t } }
        }
        return all
    }

    private func adamSettings(_ golden: GoldenCase) throws -> (lr: Double, beta1: Double, beta2: Double, eps: Double) {
        let data = try Data(contentsOf: golden.directory.appendingPathComponent("manifest.json"))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let adam = try XCTUnwrap((json["config"] as? [String: Any])?["adam"] as? [String: Any], "no config.adam")
        let betas = try XCTUnwrap(adam["betas"] as? [Double])
        return (try XCTUnwrap(adam["lr"] as? Double), betas[0], betas[1], try XCTUnwrap(adam["eps"] as? Double))
    }
}

/// A model name from a case folder name (letters, digits, '_').
func modelName(for s: String) -> String {
    String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" })
}
