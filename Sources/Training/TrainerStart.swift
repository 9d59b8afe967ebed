import DSL
import Datasets
import Foundation

/// What a (data-parallel) training checks before it starts: the global batch asked for, this
/// rank's batches, and the facts every rank must share.
extension Trainer {
    /// --global-batch is the ranks times the batch the library was compiled for.
    static func check(globalBatch: Int?, ranks: Int, compiled: Int, generated: String) throws {
        guard let globalBatch, globalBatch != ranks * compiled else { return }
        let fix = globalBatch > 0 && globalBatch % ranks == 0
            ? "recompile with --batch \(globalBatch / ranks)" : "give a --global-batch that is a multiple of \(ranks)"
        throw TrainingError("--global-batch \(globalBatch): \(generated) is compiled for batch \(compiled) per rank; \(ranks) "
                            + "rank\(ranks == 1 ? "" : "s") make\(ranks == 1 ? "s" : "") a global batch of \(ranks)x\(compiled) "
                            + "= \(ranks * compiled), not \(globalBatch): \(fix)")
    }

    /// The rank's shuffled batches of its `count` loaded images.
    static func schedule(of count: Int, settings: TrainingSettings, batch: Int, share: RankShare, images: Int,
                         ranks: Int) throws -> BatchSchedule {
        let policy = LastBatchPolicy(rawValue: settings.lastBatch)!  // validated
        guard ranks == 1 || policy == .pad || count >= batch else {
            throw TrainingError("this rank's share of the training images (\(count) of \(images), over \(ranks) ranks) cannot "
                                + "fill one batch of \(batch): use fewer ranks, a smaller --batch in rdc compile, or --last-batch pad")
        }
        return try BatchSchedule(count: count, batchSize: batch, lastBatch: policy, seed: share.scheduleSeed)
    }

    /// One line per fact that must be the same on every rank: the settings (absolute paths),
    /// the run folder, the compiled graph (batch and input size included) and precision, and
    /// the training images listed. A rank that differs names its first differing line.
    static func startFacts(settings: TrainingSettings, run: TrainingRun, resume: Bool, model: GeneratedModel,
                           dataset: Dataset) throws -> [String] {
        let names = Data(dataset.train.map(\.name).joined(separator: "\n").utf8)
        return [try settings.fact(),
                "run folder " + URL(fileURLWithPath: run.directory).standardizedFileURL.path + (resume ? " (resumed)" : ""),
                try GeneratedModel.graphFact(directory: settings.generated),
                "per-rank batch \(model.batch), input \(model.height)x\(model.width), \(8 * model.library.realSize)-bit library",
                "\(dataset.train.count) training images, names CRC32 \(String(names.withUnsafeBytes { CRC32.checksum($0) }, radix: 16))"]
    }
}
