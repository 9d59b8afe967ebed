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

// MARK: Accuracy against the truth

extension GoldenCase {
    /// The forward tensors stored in float64 too (`f64.<name>`).
    public static let float64Features = ["t1", "t2", "t3", "ocbe", "s1", "s2", "s3"]

    /// The float64 tensor of float32 `name`: `grad.X` -> `grad64.X`, `t1` -> `f64.t1`.
    public static func truthName(of name: String) -> String {
        name.hasPrefix("grad.") ? "grad64." + name.dropFirst("grad.".count) : "f64." + name
    }

    /// How far PyTorch's own float32 `name` lies from the truth (relativeError).
    public func pytorchError(_ name: String) throws -> Double {
        relativeError(try tensor(name).values.map(Double.init), truth: try tensor(Self.truthName(of: name)).values.map(Double.init))
    }

    /// The error a float32 implementation may have on `name`: max(1e-4, 3 x PyTorch's own).
    public func bound(_ name: String) throws -> Double { max(1e-4, 3 * (try pytorchError(name))) }

    /// How far from PyTorch's float32 result a tensor with no stored truth may lie (relative
    /// to max(1, its largest element)): three times PyTorch's worst forward error in the case
    /// for the implementation, once more for PyTorch's own; 1e-4 at least.
    public func float32Bound() throws -> Double {
        max(1e-4, 4 * (try Self.float64Features.map(pytorchError).max() ?? 0))
    }
}

/// max|x - truth| / max|truth| (max|x - truth| where the truth is all zero; infinity where x
/// holds a NaN): one tensor's error, as the golden README measures PyTorch's.
public func relativeError(_ x: [Double], truth: [Double]) -> Double {
    precondition(x.count == truth.count, "compared tensors differ in size: \(x.count) vs \(truth.count)")
    var d = 0.0, m = 0.0
    for (a, t) in zip(x, truth) {
        d = a.isNaN ? .infinity : max(d, abs(a - t))
        m = max(m, abs(t))
    }
    return m > 0 ? d / m : d
}

/// The errors of one implementation's tensors against the truth, each with its bound.
public struct Accuracy {
    public struct Entry {
        public var name: String
        public var error: Double
        public var bound: Double
    }

    public private(set) var entries: [Entry] = []
    public init() {}

    public mutating func add(_ name: String, error: Double, bound: Double) {
        entries.append(Entry(name: name, error: error, bound: bound))
    }

    public var failures: [Entry] { entries.filter { !($0.error <= $0.bound) } }

    /// "worst 1.2e-05 (grad.x), median 4.0e-06 over 69", or "none".
    public var summary: String {
        let sorted = entries.sorted { $0.error < $1.error }
        guard let worst = sorted.last else { return "none" }
        return String(format: "worst %.1e (%@), median %.1e over %d", worst.error, worst.name, sorted[sorted.count / 2].error, sorted.count)
    }
}
