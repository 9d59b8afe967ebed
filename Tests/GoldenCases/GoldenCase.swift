import DSL
import Foundation

/// One case directory of the golden folder: PyTorch's tensors for one model configuration
/// (see ../shared/golden/README.md for the format).
public struct GoldenCase: Sendable {
    public let directory: URL
    public let name: String
    public let config: Config
    public let scalars: [String: Double]
    private let index: [String: Entry]
    private let blob: Data

    public struct Config: Sendable {
        public var model: String
        public var widthDiv: Int
        public var batch: Int
        public var height: Int
        public var width: Int
    }

    struct Entry: Decodable, Sendable {
        var name: String
        var shape: [Int]
        var offset: Int
    }

    struct Manifest: Decodable {
        var `case`: String
        var config: ManifestConfig
        var tensors: [Entry]
        var scalars: [String: Double]
    }

    struct ManifestConfig: Decodable {
        var model: String
        var width_div: Int
        var batch: Int
        var height: Int
        var width: Int
    }

    /// The golden folder: `RDC_GOLDEN`, else ../shared/golden beside the package root.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["RDC_GOLDEN"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/golden")
    }

    /// Every case directory (one with a manifest.json) under the golden folder, sorted by name.
    public static func all() throws -> [GoldenCase] {
        let dirs = try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return try dirs.map(GoldenCase.init(directory:))
    }

    public init(directory: URL) throws {
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
        self.directory = directory
        name = manifest.case
        let c = manifest.config
        config = Config(model: c.model, widthDiv: c.width_div, batch: c.batch, height: c.height, width: c.width)
        scalars = manifest.scalars
        index = Dictionary(manifest.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        blob = try Data(contentsOf: directory.appendingPathComponent("tensors.f32"), options: .alwaysMapped)
    }

    public var tensorNames: [String] { index.keys.sorted() }
    public var teacherWeights: URL { directory.appendingPathComponent("teacher.pth") }
    public var studentWeights: URL { directory.appendingPathComponent("student_init.pth") }

    public func tensor(_ name: String) throws -> HostTensor {
        guard let e = index[name] else { throw GoldenError("\(self.name): no tensor '\(name)'") }
        let count = e.shape.reduce(1, *)
        guard e.offset + 4 * count <= blob.count else { throw GoldenError("\(self.name): '\(name)' runs past tensors.f32") }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            _ = blob.copyBytes(to: dst, from: e.offset..<(e.offset + 4 * count))
        }
        return HostTensor(shape: e.shape, values: values)
    }

    public func scalar(_ name: String) throws -> Double {
        guard let v = scalars[name] else { throw GoldenError("\(self.name): no scalar '\(name)'") }
        return v
    }
}

public struct GoldenError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// max |a - b| and max |b| of two tensors of one shape.
public struct Deviation: CustomStringConvertible {
    public var maxAbsDiff: Double
    public var maxAbsExpected: Double
    public var description: String { "max|a-b| = \(maxAbsDiff), max|b| = \(maxAbsExpected)" }

    public init(_ actual: [Float], _ expected: [Float]) {
        precondition(actual.count == expected.count, "compared tensors differ in size")
        var d = 0.0, m = 0.0
        for (a, b) in zip(actual, expected) {
            d = max(d, abs(Double(a) - Double(b)))
            m = max(m, abs(Double(b)))
        }
        // A NaN anywhere in the actual values must fail every comparison.
        maxAbsDiff = actual.contains { $0.isNaN } ? .nan : d
        maxAbsExpected = m
    }
}
