import Foundation
import Imaging
import Metrics

/// `rdc eval --html DIR`: DIR/index.html and the PNGs it shows (DIR/images/), one static
/// page (no script) that any browser shows offline: the metrics table, what produced it,
/// ROC and PRO curves, the score histogram, the training curves and the test images worst first.
public struct HTMLReport {
    /// The score at and above which an image is called anomalous, and where it came from.
    public struct Threshold: Sendable {
        public var value: Double
        /// Said on the page, e.g. "stored in the checkpoint".
        public var source: String

        public init(value: Double, source: String) {
            self.value = value
            self.source = source
        }
    }

    public var evaluation: Evaluation
    public var heatMaps: HeatMaps
    public var threshold: Threshold?
    /// What produced the results, shown as a table: model, checkpoint, data, options.
    public var settings: [(name: String, value: String)]
    /// The run the checkpoint came from: its log.csv is plotted and its config.json shown when present.
    public var run: TrainingRun
    /// At most this many test images in the grid.
    public var imageLimit: Int

    public init(evaluation: Evaluation, heatMaps: HeatMaps, threshold: Threshold?,
                settings: [(name: String, value: String)], run: TrainingRun, imageLimit: Int) {
        self.evaluation = evaluation
        self.heatMaps = heatMaps
        self.threshold = threshold
        self.settings = settings
        self.run = run
        self.imageLimit = imageLimit
    }

    /// The first line of every page this writes: a folder whose index.html starts with it is
    /// rdc's to replace.
    static let marker = "<!-- written by rdc eval --html; rdc replaces this folder's index.html and images/NNNN-*.png -->"
    public static let pageName = "index.html"

    /// Whether `folder` holds a report this wrote (so writing another there loses nothing foreign).
    public static func isReport(_ folder: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: folder + "/" + pageName) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: marker.utf8.count)) ?? Data()
        return head == Data(marker.utf8)
    }

    /// Writes the images, then the page, into `folder` (created if missing). Returns how
    /// many test images the grid shows.
    @discardableResult
    public func write(to folder: String) throws -> Int {
        let grid = ReportGrid(evaluation: evaluation, heatMaps: heatMaps, threshold: threshold?.value)
        let rows = try grid.write(into: folder, limit: imageLimit)
        let page = [Self.marker, "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
                    "<title>\(HTMLText.escaped(title))</title>", "<style>\(Self.style)</style></head><body>",
                    "<h1>\(HTMLText.escaped(title))</h1>",
                    producedBy, metrics, plots, trainingSection, gridSection(grid, rows: rows), "</body></html>\n"]
        try Data(page.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: folder + "/" + Self.pageName),
                                                           options: .atomic)
        return rows.count
    }

    private var title: String { "RD4AD evaluation of \(evaluation.report.checkpoint)" }
    private var scores: [Double] { evaluation.scored.scores.map(Double.init) }
    private var labels: [Bool] { evaluation.test.items.map(\.isAnomalous) }

    private var producedBy: String {
        var rows = settings
        if let settings = try? run.readSettings(), let fields = Self.fields(of: settings) {
            rows.append(("training settings (\(run.config))", fields))
        }
        return "<h2>What produced it</h2>\n<table id=\"settings\">"
            + rows.map { "<tr><th>\(HTMLText.escaped($0.name))</th><td>\(HTMLText.escaped($0.value))</td></tr>" }.joined()
            + "</table>"
    }

    /// "name value, ..." of a run's settings, in the names config.json uses.
    private static func fields(of settings: TrainingSettings) -> String? {
        guard let data = try? JSONEncoder().encode(settings),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object.keys.sorted().map { "\($0) \(object[$0].map { "\($0)" } ?? "")" }.joined(separator: ", ")
    }

    /// The metrics table (the numbers of eval.json, as `rdc eval` prints them) with F1 at the threshold.
    private var metrics: String {
        let report = evaluation.report, items = evaluation.test.items
        func f1(_ row: Int) -> String {
            guard let threshold else { return EvaluationReport.cell(nil) }
            let isOverall = row == report.rows.count - 1
            let chosen = items.indices.filter { i in
                !items[i].isAnomalous || isOverall || items[i].defectType == report.rows[row].defectType
            }
            let f1 = ConfusionCounts(scores: chosen.map { scores[$0] }, labels: chosen.map { labels[$0] },
                                     threshold: threshold.value).f1
            return EvaluationReport.cell(f1.isNaN ? nil : f1)
        }
        let head = ["defect type", "normal", "anomalous", "image AUROC", "pixel AUROC", "PRO", "F1 at threshold"]
        let body = report.rows.indices.map { r in
            let row = report.rows[r]
            let cells = [HTMLText.escaped(row.defectType), "\(row.normal)", "\(row.anomalous)",
                         EvaluationReport.cell(row.imageAUROC), EvaluationReport.cell(row.pixelAUROC),
                         EvaluationReport.cell(row.pro), f1(r)]
            return "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        var html = "<h2>Metrics</h2>\n<table id=\"metrics\"><thead><tr>" + head.map { "<th>\($0)</th>" }.joined()
            + "</tr></thead><tbody>" + body.joined() + "</tbody></table>\n<p>Each defect type's row is its images "
            + "against every normal test image; \"-\" is undefined (one class missing, or no ground-truth masks).</p>"
        if let threshold {
            let counts = ConfusionCounts(scores: scores, labels: labels, threshold: threshold.value)
            html += "<p>Threshold <b>\(String(format: "%.6g", threshold.value))</b> (\(HTMLText.escaped(threshold.source))): "
                + "an image scoring at or above it is called anomalous. \(counts.truePositives + counts.falsePositives) "
                + "of \(scores.count) test images are; \(counts.falseNegatives) false negatives, "
                + "\(counts.falsePositives) false positives.</p>"
        } else {
            html += "<p>No threshold: the checkpoint stores none and the test set has no anomalous images.</p>"
        }
        return html + report.notes.map { "<p class=\"note\">Note: \(HTMLText.escaped($0))</p>" }.joined()
    }

    private var plots: String {
        var figures = [String](), missing = [String]()
        if let roc = ReportCharts.roc(scores: scores, labels: labels) {
            figures.append(roc)
        } else {
            missing.append("No ROC curve: it needs both normal and anomalous test images.")
        }
        if let masks = evaluation.test.masks, let pro = ReportCharts.pro(perRegionOverlap(EvaluationReport.segmentationSamples(
            Array(scores.indices), scored: evaluation.scored, masks: masks.values))) {
            figures.append(pro)
        } else {
            missing.append("No PRO curve: it needs ground-truth masks, anomalous regions and normal pixels.")
        }
        figures.append(ReportCharts.scoreHistogram(scores: scores, labels: labels, threshold: threshold?.value))
        return "<h2>Curves</h2>\n<div class=\"plots\">" + figures.joined(separator: "\n") + "</div>"
            + missing.map { "<p>\($0)</p>" }.joined()
    }

    private var trainingSection: String {
        let heading = "<h2>Training</h2>\n"
        guard FileManager.default.fileExists(atPath: run.log) else {
            return heading + "<p>No training curve: \(HTMLText.escaped(run.log)) (the log of the checkpoint's run) is missing.</p>"
        }
        do {
            let charts = ReportCharts.training(try TrainingLog(path: run.log).rows())
            guard !charts.isEmpty else { return heading + "<p>\(HTMLText.escaped(run.log)) has no epochs yet.</p>" }
            return heading + "<p>From \(HTMLText.escaped(run.log)).</p>\n<div class=\"plots\">" + charts.joined(separator: "\n") + "</div>"
        } catch {
            return heading + "<p>No training curve: \(HTMLText.escaped("\(error)"))</p>"
        }
    }

    private func gridSection(_ grid: ReportGrid, rows: [String]) -> String {
        let total = evaluation.test.count
        let shown = rows.count == total ? "all \(total) test images"
            : "\(rows.count) of \(total) test images (rdc eval --html-images N shows more)"
        let order = threshold == nil ? "highest score first"
            : "worst first: false negatives (lowest score first), then false positives (highest first), "
              + "then the rest, nearest the threshold first"
        let scale = "Heat maps: jet colour scale, blue at \(String(format: "%.4g", heatMaps.low)) to red at "
            + "\(String(format: "%.4g", heatMaps.high)), the smallest and largest anomaly-map value over all \(total) "
            + "test images; the same scale for every heat map on this page, blended "
            + "\(Int((Image.heatMapOpacity * 100).rounded()))% over the image."
        let predicted = threshold == nil ? "" : " The predicted mask is the pixels whose map value is at or above the "
            + "threshold (an image's score is its map's maximum, so an image is called anomalous when its mask is not empty)."
        return "<h2>Test images</h2>\n<p>Showing \(shown), \(order).\(predicted)</p>\n<p>\(scale)</p>\n"
            + HeatMapColourBar.svg(low: heatMaps.low, high: heatMaps.high)
            + "\n<table id=\"images\">" + grid.header + rows.joined(separator: "\n") + "</table>"
    }

    private static let style = """
    body { font-family: sans-serif; margin: 1.5em; color: #111; }
    table { border-collapse: collapse; margin: 0.5em 0; }
    th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
    #metrics td:nth-child(n+2) { text-align: right; font-variant-numeric: tabular-nums; }
    #settings th { font-weight: normal; color: #555; }
    .plots svg { margin: 0 1em 1em 0; font-size: 11px; }
    #images img { width: 160px; height: auto; image-rendering: pixelated; }
    #images tr.wrong td:last-child { background: #ffe3e3; }
    .note { color: #8a5a00; }
    """
}
