import Datasets
import Foundation

/// Everything a training run was started with, saved as RUN/config.json so that
/// `--resume RUN` continues with the same data, seed and optimizer.
public struct TrainingSettings: Codable, Equatable, Sendable {
    /// The folder `rdc compile` wrote.
    public var generated: String
    public var data: String
    public var normalClass: Int?
    public var trainLimit: Int?
    public var testLimit: Int?
    public var skipBad = false
    public var teacherWeights: String?
    /// An official RD4AD checkpoint to start OCBE and decoder from, instead of the seeded init.
    public var studentInit: String?
    public var epochs = 200
    /// RD4AD's Adam: lr 0.005, betas (0.5, 0.999); eps is PyTorch's default.
    public var lr = 0.005
    public var beta1 = 0.5
    public var beta2 = 0.999
    public var eps = 1e-8
    /// Seeds the student init, the batch order and dataset subsets.
    public var seed: UInt64 = 0
    public var lastBatch = LastBatchPolicy.drop.rawValue
    /// Checkpoint every this many epochs (and after the last).
    public var checkpointEvery = 10
    /// Evaluate on the test set every this many epochs; 0 never.
    public var evalEvery = 0
    /// Memory for cached teacher features; images beyond it run the teacher every epoch.
    public var featureCacheMB = 8192

    public init(generated: String, data: String) {
        self.generated = generated
        self.data = data
    }

    /// The settings as one line (JSON, sorted keys) for ranks of one job to compare.
    public func fact() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return "settings " + String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    var datasetOptions: DatasetOptions {
        DatasetOptions(normalClass: normalClass, trainLimit: trainLimit, testLimit: testLimit, seed: seed)
    }

    func validate() throws {
        guard epochs >= 1 else { throw TrainingError("epochs \(epochs) must be at least 1") }
        guard lr > 0, lr.isFinite else { throw TrainingError("learning rate \(lr) must be a positive number") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw TrainingError("Adam betas (\(beta1), \(beta2)) must be in [0, 1)")
        }
        guard checkpointEvery >= 1 else { throw TrainingError("checkpoint interval \(checkpointEvery) must be at least 1") }
        guard evalEvery >= 0 else { throw TrainingError("evaluation interval \(evalEvery) must not be negative") }
        guard LastBatchPolicy(rawValue: lastBatch) != nil else {
            throw TrainingError("last batch policy '\(lastBatch)': use drop or pad")
        }
    }
}

/// The files of a training run folder.
public struct TrainingRun: Sendable {
    public var directory: String
    public init(directory: String) { self.directory = directory }

    public var config: String { directory + "/config.json" }
    public var log: String { directory + "/log.csv" }
    /// The latest checkpoint, replaced atomically each time.
    public var checkpoint: String { directory + "/last.ckpt" }
    /// Held by the one trainer working in the folder (`RunLock`).
    var lock: String { directory + "/.lock" }

    public func readSettings() throws -> TrainingSettings {
        guard let data = FileManager.default.contents(atPath: config) else {
            throw TrainingError("\(config) not found: is \(directory) a training run folder (rdc train --out)?")
        }
        do {
            return try JSONDecoder().decode(TrainingSettings.self, from: data)
        } catch {
            throw TrainingError("\(config): not a training configuration rdc can read (\(error))")
        }
    }

    func write(_ settings: TrainingSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (try encoder.encode(settings) + Data("\n".utf8)).write(to: URL(fileURLWithPath: config), options: .atomic)
    }

    /// Temporary files a killed checkpoint write left behind (AtomicFile's `.NAME.tmp-PID`):
    /// those whose writer is no longer running. (Called under the run's lock, so no other
    /// trainer writes here, but `rdc eval --save-threshold` may be writing the checkpoint.)
    func removeStaleTemporaries() {
        let prefix = ".last.ckpt.tmp-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in entries where name.hasPrefix(prefix) {
            if let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }
}
