import DSL
import Foundation
import RDGraphs
import TorchFiles
import Training
import GoldenCases
import XCTest

/// The seeded student init against a student PyTorch initialized with the official
/// constructors (the golden Lite0 case's student_init.pth): same layers covered, the same
/// BatchNorm constants, and every weight drawn from the same distribution.
final class StudentInitializationTests: XCTestCase {
    func golden() throws -> String {
        let path = GoldenCase.root.appendingPathComponent("rd_lite0_b2_128x96/student_init.pth").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is missing (set RDC_GOLDEN)") }
        return path
    }

    func testMatchesTheOfficialConstructorsInDistribution() throws {
        let graph = try Zoo.model("rd4ad_lite0").graph(batch: 2, height: 128, width: 96)
        let ours = try StudentInitialization.parameters(of: graph, seed: 0)
        let torch = try ModelWeights.student(graph: graph, file: try golden())
        let used = graph.parameters.filter { $0.role.isTrainable && $0.used && $0.kind != .batchCounter }.map(\.name)
        XCTAssertEqual(Set(ours.keys), Set(used))
        for name in used {
            let a = try XCTUnwrap(ours[name]), b = try XCTUnwrap(torch[name])
            XCTAssertEqual(a.shape, b.shape, name)
            if graph.parameter(name)!.shape.rank == 1 {
                XCTAssertEqual(a.values, b.values, "\(name): BatchNorm constants differ")
                continue
            }
            // Same mean (0) and spread, within sampling error.
            let (meanA, stdA) = moments(a.values), (meanB, stdB) = moments(b.values)
            let tolerance = 4 / Double(a.count).squareRoot()
            XCTAssertEqual(stdA / stdB, 1, accuracy: tolerance + 0.02, "\(name): std \(stdA) vs PyTorch's \(stdB)")
            XCTAssertEqual(meanA, meanB, accuracy: 3 * tolerance * stdB, name)
        }
    }

    func testIsSeeded() throws {
        let graph = try Zoo.model("rd4ad_lite0", widthDiv: 8).graph(batch: 1, height: 64, width: 64)
        let a = try StudentInitialization.parameters(of: graph, seed: 3)
        XCTAssertEqual(a, try StudentInitialization.parameters(of: graph, seed: 3))
        XCTAssertNotEqual(a, try StudentInitialization.parameters(of: graph, seed: 4))
    }

    private func moments(_ values: [Float]) -> (mean: Double, std: Double) {
        let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }
}
