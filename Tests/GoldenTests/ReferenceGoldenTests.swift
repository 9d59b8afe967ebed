import DSL
import GoldenCases
import RDGraphs
import Reference
import TorchFiles
import XCTest

/// The reference executor against PyTorch, for every case of the golden folder.
final class ReferenceGoldenTests: XCTestCase {
    static let features = ["t1", "t2", "t3", "ocbe_l1", "ocbe_l2", "ocbe_cat", "ocbe", "s1", "s2", "s3",
                           "amap1", "amap2", "amap3", "amap_sum", "amap_smooth", "image_scores"]
    static let losses = ["loss_flat", "loss_pixel"] + (1...3).flatMap { ["loss_flat.scale\($0)", "loss_pixel.scale\($0)"] }

    func testEveryCaseInTrainingAndEvalMode() throws {
        let cases = try GoldenCase.all()
        XCTAssertFalse(cases.isEmpty, "no golden case under \(GoldenCase.root.path)")
        for golden in cases {
            try checkCase(golden)
        }
    }

    private func checkCase(_ golden: GoldenCase) throws {
        let c = golden.config
        // A model the zoo lacks throws here and fails the test, naming it.
        let graph = try Zoo.model(c.model, widthDiv: c.widthDiv).graph(batch: c.batch, height: c.height, width: c.width)
        let weights = try ModelWeights.load(graph: graph, teacher: golden.teacherWeights.path,
                                            student: golden.studentWeights.path)
        let input = try golden.tensor("input")
        let bound = try golden.float32Bound()

        // Training mode: teacher frozen, student BN with batch statistics.
        let executor = try ReferenceExecutor(graph: graph, parameters: weights)
        let train = try executor.run(input: input, studentBatchNorm: .train)
        // The features stored in float64 against the truth, within max(1e-4, 3 x PyTorch's own
        // error); the rest against PyTorch's float32 results.
        for name in GoldenCase.float64Features {
            let actual = try XCTUnwrap(train.output(name), "\(golden.name): no output \(name)")
            let error = relativeError(actual.values.map(Double.init), truth: try golden.tensor(GoldenCase.truthName(of: name)).values.map(Double.init))
            XCTAssertLessThanOrEqual(error, try golden.bound(name), "\(golden.name) \(name) against the truth")
        }
        for name in Self.features where !GoldenCase.float64Features.contains(name) {
            try assertFeature(try XCTUnwrap(train.output(name), "\(golden.name): no output \(name)"),
                              golden.tensor(name), bound, "\(golden.name) \(name)")
        }
        for name in Self.losses {
            try assertLoss(train.output(name), golden.scalar(name), "\(golden.name) \(name)")
        }
        for b in 0..<c.batch {
            try assertLoss(HostTensor(shape: [], values: [train.output("image_scores")!.values[b]]),
                           golden.scalar("score.\(b)"), "\(golden.name) score.\(b)")
        }
        var updated = train.parameters(updating: weights)
        for name in golden.tensorNames where name.hasPrefix("running.") {
            let key = String(name.dropFirst("running.".count))
            try assertFeature(try XCTUnwrap(updated[key], key), golden.tensor(name), bound, "\(golden.name) \(name)")
        }

        // Eval mode with the parameters after one Adam step and the stored running statistics.
        for name in golden.tensorNames where name.hasPrefix("after.") || name.hasPrefix("running.") {
            let key = String(name.drop { $0 != "." }.dropFirst())
            updated[key] = try golden.tensor(name)
        }
        let eval = try ReferenceExecutor(graph: graph, parameters: updated).run(input: input, studentBatchNorm: .eval)
        for name in golden.tensorNames where name.hasPrefix("eval.") {
            let output = String(name.dropFirst("eval.".count))
            try assertFeature(try XCTUnwrap(eval.output(output), output), golden.tensor(name), bound, "\(golden.name) \(name)")
        }
        for name in ["loss_flat", "loss_pixel"] {
            try assertLoss(eval.output(name), golden.scalar("eval.\(name)"), "\(golden.name) eval.\(name)")
        }
    }

    /// Against PyTorch's float32 result: max |a-b| <= bound (the case's GoldenCase.float32Bound) * max(1, max|b|).
    private func assertFeature(_ actual: HostTensor, _ expected: HostTensor, _ bound: Double, _ what: String) {
        XCTAssertEqual(actual.shape.reduce(1, *), expected.shape.reduce(1, *), "\(what): shape \(actual.shape) vs \(expected.shape)")
        guard actual.count == expected.count else { return }
        let d = Deviation(actual.values, expected.values)
        XCTAssertLessThanOrEqual(d.maxAbsDiff, bound * max(1, d.maxAbsExpected), "\(what): \(d)")
    }

    /// Relative 1e-4.
    private func assertLoss(_ actual: HostTensor?, _ expected: Double, _ what: String) {
        guard let value = actual?.values.first else { return XCTFail("\(what): missing") }
        XCTAssertLessThanOrEqual(abs(Double(value) - expected), 1e-4 * abs(expected), "\(what): \(value) vs \(expected)")
    }
}
