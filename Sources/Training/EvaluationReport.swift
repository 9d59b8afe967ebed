import Datasets
import Foundation
import Metrics

/// Image AUROC, pixel AUROC and PRO of a scored test set: one row per defect type (its
/// images against every normal test image, as MVTec AD results are read) and one for the
/// whole set. Pixel metrics need masks; a value that is undefined (one class missing) is nil.
public struct EvaluationReport: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var defectType: String
        public var normal: Int
        public var anomalous: Int
        public var imageAUROC: Double?
        public var pixelAUROC: Double?
        public var pro: Double?
    }

    public struct Threshold: Codable, Sendable {
        public var threshold: Double
        public var f1: Double
        public var precision: Double
        public var recall: Double
    }

    public var checkpoint: String
    public var data: String
    public var rows: [Row]
    /// The score threshold with the best F1 on this test set (nil without anomalous images).
    public var bestF1: Threshold?
    public var notes: [String]

    public var overall: Row { rows[rows.count - 1] }

    /// `masks` [n, 1, H, W] of 0/1 when the dataset has them.
    public init(items: [DatasetItem], scored: ScoredImages, masks: [Float]?, checkpoint: String, data: String,
                notes: [String]) {
        let normal = items.indices.filter { !items[$0].isAnomalous }
        var types = [String]()
        for item in items where item.isAnomalous && !types.contains(item.defectType) { types.append(item.defectType) }
        func row(_ name: String, _ anomalous: [Int]) -> Row {
            let chosen = normal + anomalous
            let defined = !normal.isEmpty && !anomalous.isEmpty
            var row = Row(defectType: name, normal: normal.count, anomalous: anomalous.count)
            if defined {
                row.imageAUROC = rocAUC(scores: chosen.map { Double(scored.scores[$0]) }, labels: chosen.map { items[$0].isAnomalous })
            }
            if defined, let masks {
                let samples = Self.segmentationSamples(chosen, scored: scored, masks: masks)
                row.pixelAUROC = pixelAUROC(samples)
                let pro = perRegionOverlap(samples).area
                row.pro = pro.isNaN ? nil : pro
            }
            return row
        }
        rows = types.map { type in row(type, items.indices.filter { items[$0].defectType == type && items[$0].isAnomalous }) }
        rows.append(row("overall", items.indices.filter { items[$0].isAnomalous }))
        let best = bestF1Threshold(scores: scored.scores.map(Double.init), labels: items.map(\.isAnomalous))
        bestF1 = best.threshold.isNaN ? nil
            : Threshold(threshold: best.threshold, f1: best.f1, precision: best.precision, recall: best.recall)
        self.checkpoint = checkpoint
        self.data = data
        // The dataset's notes already say when masks are missing (pixel metrics skipped).
        self.notes = notes
    }

    /// The images `indices` of a scored set with their masks ([n, 1, H, W] of 0/1).
    static func segmentationSamples(_ indices: [Int], scored: ScoredImages, masks: [Float]) -> [SegmentationSample] {
        let plane = scored.height * scored.width
        return indices.map { i in
            SegmentationSample(width: scored.width, height: scored.height, map: scored.map(i),
                               mask: masks[(i * plane)..<((i + 1) * plane)].map { $0 > 0.5 })
        }
    }

    /// A metric as the table and the HTML report show it; "-" when undefined.
    public static func cell(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }

    /// The results as a text table, then the notes.
    public var table: String {
        let width = max(12, rows.map(\.defectType.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = [pad("defect type", width) + "  normal  anomalous  image AUROC  pixel AUROC     PRO"]
        for r in rows {
            lines.append(pad(r.defectType, width) + "  " + String(format: "%6d  %9d", r.normal, r.anomalous)
                         + "  " + pad(Self.cell(r.imageAUROC), 11) + "  " + pad(Self.cell(r.pixelAUROC), 11) + "  " + Self.cell(r.pro))
        }
        if let t = bestF1 {
            lines.append(String(format: "best-F1 threshold %.6g (F1 %.4f, precision %.4f, recall %.4f)",
                                t.threshold, t.f1, t.precision, t.recall))
        }
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Whether the file at `path` holds a report (so `rdc eval` may replace it).
    public static func isReport(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return (try? JSONDecoder().decode(EvaluationReport.self, from: data)) != nil
    }
}
