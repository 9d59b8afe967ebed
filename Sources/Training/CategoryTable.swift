import Foundation

/// The result of training one model per MVTec AD category (rdc train --all-categories): per
/// category the metrics of its whole test set, image AUROC, pixel AUROC and PRO, and their
/// mean over the categories, as RD4AD's Table 1 reports them. Nothing in it depends on how
/// many processes trained the categories or which trained which.
public struct CategoryTable: Codable, Equatable, Sendable {
    public struct Row: Codable, Equatable, Sendable {
        public var category: String
        public var imageAUROC: Double?
        public var pixelAUROC: Double?
        public var pro: Double?

        public init(category: String, imageAUROC: Double?, pixelAUROC: Double?, pro: Double?) {
            self.category = category
            self.imageAUROC = imageAUROC
            self.pixelAUROC = pixelAUROC
            self.pro = pro
        }

        /// A category's row: its evaluation's overall row.
        public init(category: String, report: EvaluationReport) {
            let overall = report.overall
            self.init(category: category, imageAUROC: overall.imageAUROC, pixelAUROC: overall.pixelAUROC, pro: overall.pro)
        }
    }

    /// A category that could not be trained or evaluated, and the process that tried.
    public struct Failure: Codable, Equatable, Sendable {
        public var category: String
        public var rank: Int
        public var error: String

        public init(category: String, rank: Int, error: String) {
            self.category = category
            self.rank = rank
            self.error = error
        }
    }

    /// Sorted by category.
    public var rows: [Row]
    public var failed: [Failure]
    /// Each metric's mean over all categories; nil when one category lacks it (failed, or no
    /// masks): a mean over some categories would not compare with the paper's.
    public var mean: Row

    public init(rows: [Row], failed: [Failure]) {
        // By the bytes of the names, the order Dataset.mvtecCategories lists them in.
        func precedes(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        self.rows = rows.sorted { precedes($0.category, $1.category) }
        self.failed = failed.sorted { precedes($0.category, $1.category) }
        func average(_ metric: KeyPath<Row, Double?>) -> Double? {
            let values = rows.compactMap { $0[keyPath: metric] }
            guard failed.isEmpty, !values.isEmpty, values.count == rows.count else { return nil }
            return values.reduce(0, +) / Double(values.count)
        }
        mean = Row(category: "mean", imageAUROC: average(\.imageAUROC), pixelAUROC: average(\.pixelAUROC), pro: average(\.pro))
    }

    /// The table as text: a row per category, the mean, then the failed categories.
    public var text: String {
        let width = max(12, (rows.map(\.category) + failed.map(\.category)).map(\.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
        func line(_ r: Row) -> String {
            pad(r.category, width) + "  " + pad(EvaluationReport.cell(r.imageAUROC), 11) + "  "
                + pad(EvaluationReport.cell(r.pixelAUROC), 11) + "  " + EvaluationReport.cell(r.pro)
        }
        var lines = [pad("category", width) + "  image AUROC  pixel AUROC  PRO"]
        lines += rows.map(line) + [line(mean)]
        lines += failed.map { "failed: \($0.category) (rank \($0.rank)): \($0.error)" }
        return lines.joined(separator: "\n") + "\n"
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Whether the file at `path` holds a table (so that a new fan-out may replace it).
    public static func isTable(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return (try? JSONDecoder().decode(CategoryTable.self, from: data)) != nil
    }
}
