import DSL
import Foundation
import TorchFiles
import XCTest

/// The zip-format checkpoints of the golden cases, checked against their manifests.
final class GoldenCheckpointTests: XCTestCase {
    func testResNet18TeacherValues() throws {
        let teacher = try TorchFile.load(try TestData.golden("rd_r18_b2_64", "teacher.pth"))
        // torchvision resnet18: 102 float tensors and 20 BN batch counters.
        XCTAssertEqual(teacher.count, 122)
        XCTAssertEqual(teacher.keys.first, "conv1.weight")
        XCTAssertEqual(teacher["conv1.weight"]?.shape, [8, 3, 7, 7])
        XCTAssertEqual(teacher["fc.weight"]?.shape, [1000, 64])
        // Values read independently with Python's pickle and NumPy.
        let conv1 = try teacher.float("conv1.weight")
        XCTAssertEqual(Array(conv1.values.prefix(4)), [-0.17810246348381042, -0.05376782268285751, -0.043900955468416214, 0.0657576322555542])
        XCTAssertEqual(Array(try teacher.float("layer1.0.bn1.running_var").values.prefix(3)),
                       [1.1113073825836182, 1.5983703136444092, 1.7848669290542603])
        XCTAssertEqual(teacher["bn1.num_batches_tracked"], .int64(shape: [], values: [0]))
    }

    func testResNet18StudentMatchesManifest() throws {
        try checkStudent("rd_r18_b2_64", tensorCount: 144)
    }

    func testLite0StudentMatchesManifest() throws {
        try checkStudent("rd_lite0_b2_128x96", tensorCount: nil)
    }

    func testLite0Teacher() throws {
        let teacher = try TorchFile.load(try TestData.golden("rd_lite0_b2_128x96", "teacher.pth"))
        XCTAssertEqual(teacher.count, 296)
        XCTAssertEqual(teacher["_conv_stem.weight"]?.shape, [32, 3, 3, 3])
        XCTAssertEqual(teacher["_fc.weight"]?.shape, [1000, 1280])
        XCTAssertEqual(teacher["_blocks.15._bn0.num_batches_tracked"]?.shape, [])
    }

    /// The float tensors of student_init.pth are exactly the manifest's `grad.<name>` (parameters)
    /// and `running.<name>` (BN statistics), with their shapes; the integer tensors are exactly
    /// the BN batch counters. Parameter values are checked through the Adam step the manifest
    /// records: with step 1 it is after = init - lr * g / (|g| + eps), which ties every stored
    /// init value to `after` and `grad`.
    private func checkStudent(_ testCase: String, tensorCount: Int?) throws {
        let student = try TorchFile.load(try TestData.golden(testCase, "student_init.pth"))
        let golden = try GoldenTensors(testCase)
        if let tensorCount { XCTAssertEqual(student.count, tensorCount) }
        XCTAssertEqual(student.keys.first, "bn.bn_layer.0.conv1.weight")

        let gradients = golden.names.filter { $0.hasPrefix("grad.") }
        let statistics = golden.names.filter { $0.hasPrefix("running.") }
        XCTAssertFalse(gradients.isEmpty)
        XCTAssertFalse(statistics.isEmpty)
        var manifestShapes: [String: [Int]] = [:]
        for name in gradients + statistics {
            manifestShapes[String(name.drop(while: { $0 != "." }).dropFirst())] = try golden.shape(name)
        }
        let floatNames = student.keys.filter { if case .float = student[$0] { true } else { false } }
        XCTAssertEqual(Set(floatNames), Set(manifestShapes.keys))
        for name in floatNames { XCTAssertEqual(student[name]?.shape, manifestShapes[name], name) }
        for name in student.keys {
            guard case .int64(let shape, let values) = student[name] else { continue }
            XCTAssert(name.hasSuffix(".num_batches_tracked"), name)
            XCTAssertEqual(shape, [])
            XCTAssertEqual(values, [0])
        }

        let learningRate: Float = 0.005, epsilon: Float = 1e-8
        for gradientName in gradients {
            let name = String(gradientName.dropFirst("grad.".count))
            let initial = try student.float(name)
            let gradient = try golden.tensor(gradientName)
            let after = try golden.tensor("after." + name)
            XCTAssertEqual(initial.shape, gradient.shape, name)
            guard initial.shape == gradient.shape, initial.shape == after.shape else { continue }
            var worst: Float = 0
            for i in initial.values.indices {
                let g = gradient.values[i]
                worst = max(worst, abs(initial.values[i] - learningRate * g / (abs(g) + epsilon) - after.values[i]))
            }
            XCTAssertLessThan(worst, 1e-6, name)
        }
    }
}

/// A golden case's `manifest.json` and `tensors.f32`.
struct GoldenTensors {
    private struct Manifest: Decodable {
        struct Entry: Decodable {
            let name: String
            let shape: [Int]
            let offset: Int
        }
        let tensors: [Entry]
    }

    private let entries: [String: Manifest.Entry]
    private let data: Data
    let names: [String]

    init(_ testCase: String) throws {
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: try TestData.golden(testCase, "manifest.json"))))
        names = manifest.tensors.map(\.name)
        entries = Dictionary(manifest.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        data = try Data(contentsOf: URL(fileURLWithPath: try TestData.golden(testCase, "tensors.f32")))
    }

    func shape(_ name: String) throws -> [Int] {
        try XCTUnwrap(entries[name], "no \(name) in the manifest").shape
    }

    func tensor(_ name: String) throws -> HostTensor {
        let entry = try XCTUnwrap(entries[name], "no \(name) in the manifest")
        let count = entry.shape.reduce(1, *)
        let values = data.withUnsafeBytes { raw in
            (0 ..< count).map { raw.loadUnaligned(fromByteOffset: entry.offset + 4 * $0, as: Float.self) }
        }
        return HostTensor(shape: entry.shape, values: values)
    }
}
