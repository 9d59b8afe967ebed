import Codegen
import DSL
import ModelRuntime
import Reference
import XCTest

/// LeakyReLU's forward in the compiled kernels against the reference executor (plain Swift,
/// written apart from the C), on TinyGraphs.leaky: the teacher's folded epilogues, on the
/// GEMM and on Winograd's path, the training BatchNorm's fused activation, a training
/// convolution's epilogue and an add's. The gradients are GradientCheckTests'.
final class LeakyReLUTests: XCTestCase {
    func testForwardAgreesWithTheReference() throws {
        let graph = try TinyGraphs.leaky()
        for winograd in [Codegen.Winograd.whereItWins, .wherever] {
            let artifacts = try Codegen.compile(graph: graph, name: "tiny_leaky_\(winograd)", outDir: try generatedDirectory(self),
                                                options: .init(precision: .float64, winograd: winograd))
            let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
            try seedValues(model, seed: 11)
            try model.forwardTrain()
            var parameters: [String: HostTensor] = [:]
            for info in model.tensors where info.kind == .parameter || info.kind == .buffer {
                parameters[info.name] = try model.tensor(named: info.name)
            }
            let reference = try ReferenceExecutor(graph: graph, parameters: parameters)
                .run(input: try model.tensor(named: "input"), studentBatchNorm: .train)
            for name in ["t1", "s1", "loss_flat"] {
                let want = try XCTUnwrap(reference.output(name)).values.map(Double.init)
                let got = try model.doubles(named: name)
                let scale = want.map(abs).max() ?? 0
                let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(winograd) \(name): worst \(worst) of \(scale)")
            }
            // Slope 0.2 on the teacher's first layer: its negative outputs reach t1 scaled, not zeroed.
            XCTAssert(try model.doubles(named: "t1").contains { $0 < 0 }, "\(winograd): t1 has no negative value")
        }
    }

    func testSlopeMustBeFiniteAndNotNegative() throws {
        for slope: Float in [-0.1, .infinity, .nan] {
            XCTAssertThrowsError(try TinyGraphs.graph("bad", input: Shape(1, 3, 4, 4), teacher: { x, g in
                try TinyGraphs.apply(LeakyReLU(slope), x, g)
            }, student: { t, _ in (t, t) })) { error in
                XCTAssert("\(error)".contains("LeakyReLU slope"), "\(error)")
            }
        }
    }
}
