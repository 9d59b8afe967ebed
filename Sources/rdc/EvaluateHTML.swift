import ArgumentParser
import Checkpoints
import Datasets
import Foundation
import Training

/// `rdc eval --html DIR`: checks the folder before the evaluation, writes the page after it.
extension Evaluate {
    func checkHTMLFolder(_ folder: String, inputs: [String]) throws {
        guard htmlImages >= 1 else { throw ValidationError("--html-images \(htmlImages): give at least 1 image to show") }
        try OutputFolder(flag: "--html", path: folder, kind: "an rdc HTML report", isOwnKind: HTMLReport.isReport)
            .check(inputs: inputs, force: force)
    }

    func writeHTML(to folder: String, evaluation: Evaluation, heatMaps: HeatMaps, checkpoint: Checkpoint,
                   model: GeneratedModel, dataset: Dataset, reportPath: String) throws {
        var settings: [(name: String, value: String)] = [
            ("command", (["rdc"] + CommandLine.arguments.dropFirst()).joined(separator: " ")),
            ("model", "\(model.graph.name) at \(model.width)x\(model.height), batch \(model.batch), compiled in \(weights.generated)"),
            ("checkpoint", "\(weights.checkpoint) (epoch \(checkpoint.epoch))"),
            ("data", dataset.summary),
            ("test images", "\(evaluation.test.count)" + (dataOptions.testLimit.map { ", at most \($0) (seed \(seed))" } ?? "")),
            ("report", reportPath),
        ]
        if let teacherWeights = weights.teacherWeights { settings.insert(("teacher weights", teacherWeights), at: 3) }
        let run = TrainingRun(directory: URL(fileURLWithPath: weights.checkpoint).deletingLastPathComponent().path)
        let report = HTMLReport(evaluation: evaluation, heatMaps: heatMaps, threshold: try htmlThreshold(evaluation.report, checkpoint),
                                settings: settings, run: run, imageLimit: htmlImages)
        let shown = try report.write(to: folder)
        print("wrote \(folder)/\(HTMLReport.pageName) (\(shown) of \(evaluation.test.count) test images shown)")
    }

    /// The checkpoint's stored threshold if it has one, else this test set's best-F1 one.
    private func htmlThreshold(_ report: EvaluationReport, _ checkpoint: Checkpoint) throws -> HTMLReport.Threshold? {
        if saveThreshold, let best = report.bestF1 {
            return .init(value: best.threshold, source: "the best-F1 threshold of this test set, now stored in the checkpoint by --save-threshold")
        }
        if let stored = StoredDecision(checkpoint) {
            guard stored.threshold.isFinite else {
                throw ValidationError("\(weights.checkpoint) stores the threshold \(stored.threshold), not a finite number: "
                                      + "store a new one with rdc eval --save-threshold")
            }
            return .init(value: stored.threshold, source: "stored in the checkpoint")
        }
        return report.bestF1.map {
            .init(value: $0.threshold, source: "the best-F1 threshold of this test set; the checkpoint stores none")
        }
    }
}
