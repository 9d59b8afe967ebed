import DSL
import Foundation
import GoldenCases
import Imaging
import Metrics

/// One golden metrics case (see shared/golden/metrics/README.md), loaded from its folder.
struct GoldenMetricsCase {
    let name: String
    let imageScores: [Double]
    let imageLabels: [Bool]
    let samples: [SegmentationSample]
    /// expected.json, as parsed by JSONSerialization.
    let expected: [String: Any]
    let proCurve: [PROCurvePoint]

    static var goldenRoot: URL { GoldenCase.root }

    /// Every case*/ folder under metrics/, sorted.
    static func caseDirectories() -> [URL] {
        let metrics = goldenRoot.appendingPathComponent("metrics")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: metrics.path)) ?? []
        return names.filter { $0.hasPrefix("case") }.sorted().map { metrics.appendingPathComponent($0) }
    }

    init(directory: URL) throws {
        name = directory.lastPathComponent
        var scores = [Double](), labels = [Bool](), samples = [SegmentationSample]()
        for row in try Self.csvRows(directory.appendingPathComponent("scores.csv")) {
            let (path, label, score) = (row[0], row[1], row[2])
            labels.append(label == "1")
            scores.append(try Self.number(score))
            let mask = try Image(pngFile: directory.appendingPathComponent("masks/\(path)").path)
            let truth = RD4ADPreprocessing(width: mask.width, height: mask.height).maskTensor(mask)
            let stem = (path as NSString).deletingPathExtension
            let map = try Self.littleEndianFloats(directory.appendingPathComponent("maps/\(stem).f32"))
            samples.append(SegmentationSample(width: mask.width, height: mask.height,
                                              map: map, mask: truth.values.map { $0 == 1 }))
        }
        imageScores = scores
        imageLabels = labels
        self.samples = samples
        let json = try Data(contentsOf: directory.appendingPathComponent("expected.json"))
        expected = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
        proCurve = try Self.csvRows(directory.appendingPathComponent("pro_curve.csv")).map { row in
            PROCurvePoint(threshold: try Self.number(row[1]), fpr: try Self.number(row[2]),
                          pro: try Self.number(row[3]))
        }
    }

    func expectedNumber(_ key: String) -> Double? { (expected[key] as? NSNumber)?.doubleValue }

    /// The rows after the header, split at commas (no field here contains one).
    private static func csvRows(_ url: URL) throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
    }

    /// A decimal, also when written as numpy's repr `np.float64(0.25)`.
    private static func number(_ field: String) throws -> Double {
        var text = field.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("np.float64(") && text.hasSuffix(")") {
            text = String(text.dropFirst("np.float64(".count).dropLast())
        }
        guard let value = Double(text) else { throw CocoaError(.fileReadCorruptFile, userInfo: ["field": field]) }
        return value
    }

    private static func littleEndianFloats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return stride(from: 0, to: data.count - 3, by: 4).map { offset in
            let bits = data[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return Float(bitPattern: bits)
        }
    }
}
