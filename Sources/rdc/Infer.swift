import ArgumentParser
import Foundation
import Training

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score PNG images (files or folders): a score and heat map per image, a verdict with a threshold.",
        discussion: """
        The threshold is --threshold, or the one rdc eval --save-threshold stored in the \
        checkpoint. --out DIR writes DIR/scores.csv and a heat map per image.
        """)

    @OptionGroup var weights: WeightsOptions

    @Argument(help: "PNG files or folders of them (searched recursively).")
    var images: [String]

    @Option(parsing: .unconditional, help: "Score at or above which an image is anomalous.")
    var threshold: Double?

    @Option(help: "Write scores.csv and heat maps here.")
    var out: String?

    @Flag(name: .customLong("skip-bad"), help: "Skip unreadable images with a warning instead of stopping.")
    var skipBad = false

    @Flag(help: "Write into --out's folder even if it holds files rdc infer did not write.")
    var force = false

    func validate() throws {
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold \(threshold): give a finite number") }
    }

    func run() throws {
        if let out {
            try OutputFolder(flag: "--out", path: out, kind: "rdc infer's scores and heat maps", isOwnKind: Inference.isOutput)
                .check(inputs: images + weights.inputFiles + [weights.generated], force: force)
        }
        let (model, checkpoint) = try weights.open()
        let stored = StoredDecision(checkpoint)
        let (results, warnings) = try Inference.run(
            model: model, items: try Inference.items(images), skipBad: skipBad, threshold: threshold ?? stored?.threshold,
            heatMapRange: stored.map { ($0.heatMapLow, $0.heatMapHigh) }, out: out)
        warnings.forEach { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        for r in results { print("\(r.item.path)\t\(r.score)\(r.verdict.isEmpty ? "" : "\t" + r.verdict)") }
        if let t = threshold ?? stored?.threshold {
            let flagged = results.filter { $0.anomalous == true }.count
            print("threshold \(t)\(threshold == nil ? " (stored in the checkpoint)" : ""): \(flagged) of \(results.count) anomalous")
        }
        if let out { print("wrote \(out)/scores.csv and \(results.count) heat maps") }
    }
}
