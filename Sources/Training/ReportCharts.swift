import Foundation
import Metrics

/// The HTML report's plots, each an inline SVG drawn from the points the metrics computed.
enum ReportCharts {
    private static let normalColour = "#2f9e44", anomalousColour = "#e03131", thresholdColour = "#111111"
    private static let seriesColours = ["#1971c2", "#e8590c", "#7048e8"]

    /// Image-level ROC; its title gives the area under the drawn points, which is eval's
    /// image AUROC. Nil without both normal and anomalous images.
    static func roc(scores: [Double], labels: [Bool]) -> String? {
        let curve = rocCurve(scores: scores, labels: labels)
        guard !curve.isEmpty else { return nil }
        var chart = SVGChart(title: "ROC, image level: area \(EvaluationReport.cell(areaUnder(curve)))",
                             xLabel: "false positive rate", yLabel: "true positive rate", x: 0...1, y: 0...1)
        chart.legendAtBottom = true
        chart.line([(0, 0), (1, 1)], colour: "#adb5bd", label: "chance", dashed: true)
        chart.line(curve.map { ($0.fpr, $0.tpr) }, colour: seriesColours[0], label: "all test images")
        return chart.svg
    }

    /// PRO against FPR up to the metric's limit, the part of the curve PRO's area is taken over.
    /// Nil without anomalous regions or when that part has fewer than two points.
    static func pro(_ result: PROResult) -> String? {
        let kept = result.keptCurve
        guard result.regionCount > 0, kept.count >= 2 else { return nil }
        var chart = SVGChart(title: "PRO curve, pixel level: normalized area \(EvaluationReport.cell(result.area))",
                             xLabel: "false positive rate (normal pixels)", yLabel: "per-region overlap",
                             x: 0...result.maxFPR, y: 0...1)
        chart.legendAtBottom = true
        chart.line(kept.map { ($0.fpr, $0.pro) }, colour: seriesColours[0], label: "\(result.regionCount) regions")
        return chart.svg
    }

    /// How normal and anomalous test images score, with the threshold marked.
    static func scoreHistogram(scores: [Double], labels: [Bool], threshold: Double?) -> String {
        let low = min(scores.min() ?? 0, threshold ?? .infinity), high = max(scores.max() ?? 1, threshold ?? -.infinity)
        let binCount = max(10, min(40, scores.count / 4))
        let width = high > low ? (high - low) / Double(binCount) : 1
        func bins(_ label: Bool) -> [(low: Double, high: Double, count: Double)] {
            var counts = [Double](repeating: 0, count: binCount)
            for (score, isAnomalous) in zip(scores, labels) where isAnomalous == label && score.isFinite {
                counts[min(Int((score - low) / width), binCount - 1)] += 1
            }
            return counts.indices.map { (low + Double($0) * width, low + Double($0 + 1) * width, counts[$0]) }
        }
        let normal = bins(false), anomalous = bins(true)
        let tallest = (normal + anomalous).map(\.count).max() ?? 1
        var chart = SVGChart(title: "Image scores", xLabel: "score (the map's maximum)", yLabel: "test images",
                             x: low...(low + Double(binCount) * width), y: 0...max(tallest, 1))
        chart.bars(normal, colour: normalColour, label: "normal (\(labels.filter { !$0 }.count))")
        chart.bars(anomalous, colour: anomalousColour, label: "anomalous (\(labels.filter { $0 }.count))")
        if let threshold {
            chart.verticalLine(at: threshold, colour: thresholdColour, label: "threshold \(String(format: "%.4g", threshold))")
        }
        return chart.svg
    }

    /// The loss per epoch, and the evaluations made during training when there were any.
    static func training(_ rows: [TrainingLogRow]) -> [String] {
        guard let first = rows.first, let last = rows.last else { return [] }
        let epochs = Double(first.epoch)...Double(last.epoch)
        var loss = SVGChart(title: "Training loss", xLabel: "epoch", yLabel: "mean loss", x: epochs,
                            y: 0...(rows.map(\.loss).max() ?? 1))
        loss.xIsWhole = true
        loss.line(rows.map { (Double($0.epoch), $0.loss) }, colour: seriesColours[0], label: "loss", dots: rows.count <= 30)
        let series: [(String, KeyPath<TrainingLogRow, Double?>)] =
            [("image AUROC", \.imageAUROC), ("pixel AUROC", \.pixelAUROC), ("PRO", \.pro)]
        var evaluations = SVGChart(title: "Evaluations during training", xLabel: "epoch", yLabel: "metric",
                                   x: epochs, y: 0...1)
        evaluations.legendAtBottom = true
        evaluations.xIsWhole = true
        var any = false
        for (colour, (name, keyPath)) in zip(seriesColours, series) {
            let points = rows.compactMap { row in row[keyPath: keyPath].map { (Double(row.epoch), $0) } }
            guard !points.isEmpty else { continue }
            evaluations.line(points, colour: colour, label: name, dots: true)
            any = true
        }
        return any ? [loss.svg, evaluations.svg] : [loss.svg]
    }
}
