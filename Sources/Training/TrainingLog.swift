import Foundation

/// RUN/log.csv: one row per epoch. Evaluation columns are empty in epochs without one.
struct TrainingLog {
    static let header = "epoch,steps,loss,images_per_second,seconds,image_auroc,pixel_auroc,pro"
    let path: String

    /// A fresh log (a new run).
    func start() throws {
        try Data((Self.header + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// On resume: keeps the rows up to `epoch` (the checkpoint's); later ones were trained
    /// after the last checkpoint and are trained again.
    func truncate(after epoch: Int) throws {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let kept = text.split(separator: "\n").dropFirst().filter { line in
            Int(line.prefix { $0 != "," }).map { $0 <= epoch } ?? false
        }
        try Data(([Self.header] + kept.map(String.init)).map { $0 + "\n" }.joined().utf8)
            .write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    func append(epoch: Int, steps: Int, loss: Double, imagesPerSecond: Double, seconds: Double,
                evaluation: EvaluationReport.Row?) throws {
        func cell(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
        let row = "\(epoch),\(steps),\(String(format: "%.8f", loss)),\(String(format: "%.2f", imagesPerSecond)),"
            + "\(String(format: "%.3f", seconds)),\(cell(evaluation?.imageAUROC)),\(cell(evaluation?.pixelAUROC)),"
            + "\(cell(evaluation?.pro))\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(row.utf8))
    }
}
