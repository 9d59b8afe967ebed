import Codegen
import ModelRuntime
import DSL
import RDGraphs
import XCTest

/// The generated backward against central finite differences of the generated forward,
/// both in float64 (Options.precision), on graphs covering every differentiated op kind.
/// With h = 1e-5 the difference quotient is within ~1e-9 of the derivative, so gradients
/// must agree to 1e-6 of the tensor's largest gradient (+1e-8).
final class GradientCheckTests: XCTestCase {
    func testResidualGraph() throws { try check(TinyGraphs.residual(), seed: 1) }
    func testTwoSidedGraph() throws { try check(TinyGraphs.twoSided(), seed: 2) }

    func testLeakyReLUGraph() throws {
        let source = try check(TinyGraphs.leaky(), seed: 7)
        // The slopes reach the epilogues, the fused BatchNorm and the add: each kernel its own.
        for slope in ["0.2", "0.1", "0.25", "0.3", "0.05"] {
            XCTAssert(source.contains("(real)\(slope)f"), "no kernel applies slope \(slope)")
        }
    }

    func testConcatWithTeacherGraph() throws {
        let source = try check(TinyGraphs.concatWithTeacher(), seed: 4)
        // Both stride-2 data gradients are limited to the concat's trainable channels, and the
        // sum of the two BatchNorms is recomputed.
        XCTAssertEqual(source.components(separatedBy: "enum { C0 = 4, CD = 4 };").count - 1, 2, "limited data gradients")
        XCTAssertTrue(source.contains("bn_add_recompute("), "the sum recomputed")
    }

    func testPhasedGraph() throws {
        let source = try check(TinyGraphs.phased(), seed: 5)
        // The forwards (s3 in training and eval form, s5 one kernel for both) and both weight gradients.
        XCTAssertEqual(source.components(separatedBy: "rdc_phase_split(x").count - 1, 2 + 1 + 2, "phased windows")
    }

    func testWinogradGraph() throws {
        let graph = try TinyGraphs.winograd()
        let source = try check(graph, seed: 3, winograd: .wherever)
        // Every 3x3 convolution went through Winograd: the teacher's two forwards (with their
        // folded BatchNorm and ReLU), the student's forwards (w1 in training and eval form, w2
        // and w3 one kernel for both), data gradients (w2, w3) and weight gradients; the
        // template's definitions count once each.
        XCTAssertEqual(source.components(separatedBy: "rdc_wino_conv(").count - 1, 1 + 2 + 2 + 2 + 2, "calls of rdc_wino_conv")
        XCTAssertEqual(source.components(separatedBy: "rdc_wino_conv_weight_grad(").count - 1, 1 + 3, "calls of rdc_wino_conv_weight_grad")
        // Finite differences check the backward against the same forward, so a transform that
        // misreads the input in both passes would pass them: every gradient (all of them depend
        // on the forward's values) against the implicit GEMM's too.
        let wino = try gradients(graph, seed: 3, winograd: .wherever), gemm = try gradients(graph, seed: 3, winograd: .never, dotWeightGradients: false)
        try assertClose(wino, to: gemm, relative: 1e-10, "Winograd")
    }

    func testFewTilesWeightGradient() throws {
        let graph = try TinyGraphs.fewTiles()
        let source = try check(graph, seed: 6)
        // w2's weight gradient (its definition in the template counts once).
        XCTAssertEqual(source.components(separatedBy: "rdc_wino_conv_weight_grad_few(").count - 1, 1 + 1, "calls of the few-tiles weight gradient")
        // Finite differences sample 24 of w2's 1179648 weights; every gradient (w2's forward and
        // data gradient feed them all) against the implicit GEMM, also where the weight
        // gradient's panels are cut into slices (304 channels).
        for graph in [graph, try TinyGraphs.fewTiles(channels: 304)] {
            let few = try gradients(graph, seed: 6, winograd: .whereItWins), gemm = try gradients(graph, seed: 6, winograd: .never, dotWeightGradients: false)
            try assertClose(few, to: gemm, relative: 1e-12, "few-tiles Winograd")
        }
    }

    func testDotWeightGradients() throws {
        let graph = try TinyGraphs.dotWeightGradient()
        let source = try check(graph, seed: 7)
        // w1, w2 and w3 (the template's definition counts once).
        XCTAssertEqual(source.components(separatedBy: "rdc_dot_weight_grad(").count - 1, 1 + 3, "calls of rdc_dot_weight_grad")
        // Every gradient against the implicit GEMM's: finite differences sample 24 weights of each.
        let dot = try gradients(graph, seed: 7, winograd: .whereItWins)
        let gemm = try gradients(graph, seed: 7, winograd: .whereItWins, dotWeightGradients: false)
        try assertClose(dot, to: gemm, relative: 1e-12, "dot products")
    }

    /// The paper's per-pixel loss (Codegen.Options.loss "loss_pixel", rdc compile --loss pixel):
    /// its backward against central differences of the forward's loss_pixel, on RD4AD itself.
    func testPixelLossGradient() throws {
        let graph = try Zoo.model("rd4ad_resnet18", widthDiv: 8).graph(batch: 1, height: 64, width: 64)
        let artifacts = try Codegen.compile(graph: graph, name: "pixel_loss", outDir: try generatedDirectory(self),
                                            options: .init(precision: .float64, loss: "loss_pixel"))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
        try seedValues(model, seed: 8, ranges: initializationRanges)
        try model.forwardTrain()
        try model.backward()
        let h = 1e-5
        for name in ["decoder.layer3.1.conv2.weight", "bn.bn_layer.0.conv1.weight", "bn.bn1.bias"] {
            let grad = try model.doubles(named: "grad." + name), scale = grad.map(abs).max() ?? 0
            var values = try model.doubles(named: name)
            for i in stride(from: 0, to: values.count, by: max(1, values.count / 6)) {
                let v = values[i]
                var losses: [Double] = []
                for x in [v + h, v - h] {
                    values[i] = x
                    try model.setDoubles(named: name, values)
                    try model.forwardTrain()
                    losses.append(try model.doubles(named: "loss_pixel")[0])
                }
                values[i] = v
                try model.setDoubles(named: name, values)
                let fd = (losses[0] - losses[1]) / (2 * h)
                XCTAssertLessThanOrEqual(abs(fd - grad[i]), 1e-6 * scale + 1e-8, "d loss_pixel / d \(name)[\(i)]: backward \(grad[i]), finite difference \(fd)")
            }
        }
    }

    /// The same gradients as the implicit GEMM's `gemm`, each within `relative` of its largest
    /// element (+1e-15: a bias before a BatchNorm has a gradient of 0 up to rounding).
    private func assertClose(_ grads: [String: [Double]], to gemm: [String: [Double]], relative: Double, _ path: String) throws {
        XCTAssertEqual(Set(grads.keys), Set(gemm.keys))
        for (name, b) in gemm {
            let a = try XCTUnwrap(grads[name]), scale = b.map(abs).max() ?? 0
            let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(difference, relative * scale + 1e-15, "\(name): \(path) against the implicit GEMM")
        }
    }

    /// Every gradient after one training forward and backward from check's seeded values.
    /// `winograd` .never and `dotWeightGradients` false: every convolution on the implicit GEMM.
    private func gradients(_ graph: Graph, seed: UInt64, winograd: Codegen.Winograd, dotWeightGradients: Bool = true) throws -> [String: [Double]] {
        let artifacts = try Codegen.compile(graph: graph, name: graph.name + "_\(winograd)_\(dotWeightGradients)", outDir: try generatedDirectory(self),
                                            options: .init(precision: .float64, winograd: winograd, dotWeightGradients: dotWeightGradients))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
        try seedValues(model, seed: seed)
        try model.forwardTrain()
        try model.backward()
        var grads: [String: [Double]] = [:]
        for info in model.tensors where info.kind == .gradient { grads[info.name] = try model.doubles(named: info.name) }
        return grads
    }

    /// Returns the generated C.
    @discardableResult
    private func check(_ graph: Graph, seed: UInt64, winograd: Codegen.Winograd = .whereItWins) throws -> String {
        let artifacts = try Codegen.compile(graph: graph, name: graph.name, outDir: try generatedDirectory(self),
                                            options: .init(precision: .float64, winograd: winograd))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
        XCTAssertEqual(model.realSize, 8)
        try seedValues(model, seed: seed)
        // No gradient for the frozen teacher, one for every trainable parameter.
        for p in graph.parameters where p.used && (p.kind == .weight || p.kind == .bias) {
            XCTAssertEqual(model.tensors.contains { $0.name == "grad." + p.name }, p.isTrainable, p.name)
        }

        try model.forwardTrain()
        try model.backward()
        func loss() throws -> Double {
            try model.forwardTrain()
            return try model.doubles(named: "loss_flat")[0]
        }
        let h = 1e-5
        for info in model.tensors where info.kind == .parameter && info.trainable {
            let grad = try model.doubles(named: "grad." + info.name)
            let scale = grad.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0, "\(graph.name): \(info.name) has an all-zero gradient")
            var values = try model.doubles(named: info.name)
            let step = max(1, info.count / 24)
            for i in stride(from: 0, to: info.count, by: step) {
                let v = values[i]
                values[i] = v + h
                try model.setDoubles(named: info.name, values)
                let up = try loss()
                values[i] = v - h
                try model.setDoubles(named: info.name, values)
                let down = try loss()
                values[i] = v
                try model.setDoubles(named: info.name, values)
                let fd = (up - down) / (2 * h)
                XCTAssertLessThanOrEqual(abs(fd - grad[i]), 1e-6 * scale + 1e-8,
                                         "\(graph.name) d loss / d \(info.name)[\(i)]: backward \(grad[i]), finite difference \(fd)")
            }
        }
        return try String(contentsOfFile: artifacts.source, encoding: .utf8)
    }
}
