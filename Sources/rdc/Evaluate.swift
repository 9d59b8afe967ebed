import ArgumentParser
import Checkpoints
import Datasets
import Foundation
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on a dataset's test images: image AUROC, pixel AUROC, PRO.",
        discussion: """
        Prints one row per defect type (its images against all normal ones) and one overall, and \
        writes them as JSON (--report). Pixel AUROC and PRO need ground-truth masks. \
        --save-maps DIR writes scores.csv, maps/shape.txt, a raw float32 map (.f32) and a heat \
        map (.png) per test image. --save-threshold stores the best-F1 threshold in the checkpoint \
        for rdc infer. --html DIR writes DIR/index.html, a page with the metrics, curves, training \
        log and the test images worst first, viewable offline.
        """)

    @OptionGroup var weights: WeightsOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(parsing: .unconditional, help: "Seeds the subset taken by --test-limit (default 0).")
    var seed: UInt64 = 0

    @Option(name: .customLong("save-maps"), help: "Write scores, raw maps and heat maps to this folder.")
    var saveMaps: String?

    @Option(help: "The JSON report (default eval.json beside the checkpoint).")
    var report: String?

    @Flag(name: .customLong("save-threshold"), help: "Store the best-F1 threshold and the maps' range in the checkpoint.")
    var saveThreshold = false

    @Option(help: "Write an HTML report (index.html and the images it shows) into this folder.")
    var html: String?

    @Option(name: .customLong("html-images"), parsing: .unconditional,
            help: "Show at most this many test images in --html's grid, worst first (default 100).")
    var htmlImages = 100

    @Flag(help: "Replace --report, or write into --save-maps' or --html's folder, even if rdc did not write them.")
    var force = false

    func run() throws {
        guard let data = dataOptions.data else { throw ValidationError("give the dataset folder: --data DIR") }
        let reportPath = report ?? URL(fileURLWithPath: weights.checkpoint).deletingLastPathComponent()
            .appendingPathComponent("eval.json").path
        try OutputFile(flag: "--report", path: reportPath, kind: "an rdc evaluation report", isOwnKind: EvaluationReport.isReport)
            .check(inputs: weights.inputFiles + [data], force: force)
        if let saveMaps {
            try OutputFolder(flag: "--save-maps", path: saveMaps, kind: "maps rdc eval saved", isOwnKind: SavedMaps.isSavedMaps)
                .check(inputs: weights.inputFiles + [data, weights.generated], force: force)
        }
        if let html { try checkHTMLFolder(html, inputs: weights.inputFiles + [data, weights.generated]) }
        let (model, checkpoint) = try weights.open()
        let dataset = try Dataset.open(root: data, options: DatasetOptions(
            normalClass: dataOptions.normalClass, testLimit: dataOptions.testLimit, seed: seed))
        let test = try Evaluation.loadTest(dataset, for: model, skipBad: dataOptions.skipBad)
        let evaluation = try Evaluation(model: model, test: test, dataset: dataset, checkpoint: weights.checkpoint)
        print("\(model.graph.name), \(weights.checkpoint) (epoch \(checkpoint.epoch)) on \(dataset.summary)")
        print(evaluation.report.table)
        try evaluation.report.jsonData().write(to: URL(fileURLWithPath: reportPath), options: .atomic)
        print("wrote \(reportPath)")

        let heatMaps = HeatMaps(preprocessing: DatasetLoader(width: model.width, height: model.height).preprocessing,
                                spanning: evaluation.scored.maps)
        if let saveMaps {
            try SavedMaps.write(items: test.items, scored: evaluation.scored, heatMaps: heatMaps, to: saveMaps)
            print("wrote \(saveMaps)/scores.csv and \(test.count) maps (.f32) and heat maps (.png) under \(saveMaps)/maps")
        }
        if saveThreshold { try storeThreshold(evaluation.report, heatMaps: heatMaps, in: checkpoint, for: model) }
        if let html {
            try writeHTML(to: html, evaluation: evaluation, heatMaps: heatMaps, checkpoint: checkpoint, model: model,
                          dataset: dataset, reportPath: reportPath)
        }
    }

    private func storeThreshold(_ report: EvaluationReport, heatMaps: HeatMaps, in checkpoint: Checkpoint,
                                for model: GeneratedModel) throws {
        guard let best = report.bestF1 else {
            throw ValidationError("no threshold to store: the test set has no anomalous images")
        }
        guard !ModelState.isOfficialCheckpoint(weights.checkpoint) else {
            throw ValidationError("\(weights.checkpoint) is a PyTorch file; convert it first (rdc import-checkpoint) to store a threshold")
        }
        var updated = checkpoint
        StoredDecision(threshold: best.threshold, heatMapLow: heatMaps.low, heatMapHigh: heatMaps.high).store(in: &updated)
        ModelState.stamp(&updated, for: model)
        try updated.write(to: weights.checkpoint)
        print("stored threshold \(best.threshold) in \(weights.checkpoint)")
    }
}
