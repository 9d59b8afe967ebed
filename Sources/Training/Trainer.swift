import Checkpoints
import DSL
import Datasets
import Distributed
import Foundation
import TorchFiles

/// RD4AD training: Adam on OCBE + decoder over shuffled batches of the compiled size,
/// the frozen teacher's features computed once per image (`FeatureCache`), a row of
/// RUN/log.csv per epoch, an atomic checkpoint RUN/last.ckpt every few epochs and at the
/// end. A loss that is not finite stops training before it touches the weights; the last
/// checkpoint written stays as it was.
public final class Trainer {
    public let settings: TrainingSettings
    public let run: TrainingRun
    /// Fault injection for tests: this step's (1-based) loss reads as NaN, as if the
    /// forward pass had diverged. (Poisoning a weight would not do: the generated ReLU
    /// maps NaN to 0, so a NaN weight rarely reaches the loss.)
    public var nanAtStep: Int?

    private let model: GeneratedModel
    private let dataset: Dataset
    /// This rank's share of the training images (all of them in a job of one).
    private let training: LoadedImages
    private let test: LoadedImages?
    private let schedule: BatchSchedule
    /// Batches per epoch: the same on every rank (that of the smallest share).
    private let batchesPerEpoch: Int
    private let replicas: ModelReplicas
    private let log: TrainingLog
    private let features: FeatureCache
    private var epoch = 0
    /// Held by rank 0, which alone writes into the run folder.
    private let lock: RunLock?

    /// Opens model and data and sets the starting weights: fresh ones (teacher weights
    /// plus the seeded or imported student) or, with `resume`, RUN/last.ckpt's. Bad input
    /// (unreadable images, masks of another size, nothing to train on) stops here.
    ///
    /// With a `communicator` of several ranks the model is trained data-parallel: each rank
    /// trains on its share of the images (`RankShare`) in batches of the compiled size, the
    /// library sums BatchNorm statistics and gradients across the ranks, rank 0 reads or
    /// initializes the weights and copies them to the others, and rank 0 alone writes the run
    /// folder. `globalBatch`, when given, must be the ranks times the compiled batch.
    public init(settings: TrainingSettings, run: TrainingRun, resume: Bool,
                communicator: any Communicator = SingleProcess(), globalBatch: Int? = nil) throws {
        try settings.validate()
        replicas = ModelReplicas(communicator: communicator)
        let isWriter = replicas.isWriter
        guard !isWriter || resume || !FileManager.default.fileExists(atPath: run.checkpoint) else {
            throw TrainingError("\(run.directory) already holds a training run (\(run.checkpoint)): continue it with "
                                + "--resume \(run.directory), or train into another folder (--out)")
        }
        self.settings = settings
        self.run = run
        model = try GeneratedModel(directory: settings.generated)
        try Self.check(globalBatch: globalBatch, ranks: replicas.ranks, compiled: model.batch, generated: settings.generated)
        let dataset = try Dataset.open(root: settings.data, options: settings.datasetOptions)
        self.dataset = dataset
        if isWriter {
            print(dataset.summary)
            dataset.notes.forEach { print("note: \($0)") }
        }
        let share = RankShare(imageCount: dataset.train.count, rank: communicator.rank, ranks: replicas.ranks, seed: settings.seed)
        let loader = DatasetLoader(width: model.width, height: model.height, skipBad: settings.skipBad)
        var mine = dataset
        mine.train = share.indices.map { dataset.train[$0] }
        training = try loader.loadTraining(mine)
        let model = self.model
        test = isWriter && settings.evalEvery > 0 && !dataset.test.isEmpty
            ? try Evaluation.loadTest(dataset, for: model, skipBad: settings.skipBad) : nil
        (training.warnings + (test?.warnings ?? [])).forEach { print("warning: \($0)") }
        if isWriter && settings.evalEvery > 0 && test == nil {
            print("note: \(dataset.root) has no test images: no evaluation during training")
        }
        features = try FeatureCache(model: model, budgetBytes: settings.featureCacheMB << 20)
        log = TrainingLog(path: run.log)

        try replicas.checkAgreement(on: try Self.startFacts(settings: settings, run: run, resume: resume, model: model,
                                                                      dataset: dataset))
        schedule = try Self.schedule(of: training.count, settings: settings, batch: model.batch, share: share,
                                     images: dataset.train.count, ranks: replicas.ranks)
        batchesPerEpoch = try replicas.minimum(schedule.batchesPerEpoch)
        if isWriter {
            try FileManager.default.createDirectory(atPath: run.directory, withIntermediateDirectories: true)
            lock = try RunLock(run)
            run.removeStaleTemporaries()
            if resume {
                let checkpoint = try Checkpoint(contentsOf: run.checkpoint, for: model.graph)
                try ModelState.restore(checkpoint, into: model, optimizer: true, origin: run.checkpoint)
                epoch = checkpoint.epoch
                try log.truncate(after: epoch)
                print("resuming \(run.checkpoint) after epoch \(epoch) (step \(checkpoint.step))")
            } else {
                try model.library.load(parameters: try startingWeights())
                try log.start()
            }
            try run.write(settings)
        } else {
            lock = nil
        }
        try replicas.broadcastState(of: model.library, epoch: &epoch)
        replicas.attach(to: model.library)
    }

    private func startingWeights() throws -> [String: HostTensor] {
        guard let teacher = settings.teacherWeights else {
            throw TrainingError("the teacher's ImageNet weights are needed (--teacher-weights FILE.pth)")
        }
        let student = try settings.studentInit.map { try ModelWeights.student(graph: model.graph, file: $0) }
            ?? StudentInitialization.parameters(of: model.graph, seed: settings.seed)
        return try ModelWeights.teacher(graph: model.graph, file: teacher).merging(student) { a, _ in a }
    }

    /// Trains up to `settings.epochs`.
    public func train() throws {
        let isWriter = replicas.isWriter
        if isWriter {
            print("\(model.graph.name) (\(settings.generated)): \(trainingImagesNote), \(batchesPerEpoch) batches of "
                  + "\(globalBatchNote) per epoch (\(lastBatchNote)), epochs \(epoch + 1)...\(settings.epochs), "
                  + "Adam lr \(settings.lr) betas (\(settings.beta1), \(settings.beta2)); teacher features cached for up to "
                  + "\(min(features.capacity, training.count)) images\(replicas.ranks > 1 ? " per rank" : "") "
                  + "(\(features.bytesPerImage >> 10) KiB each)")
        }
        fflush(nil)  // before the first (slow) epoch, also when stdout is a file
        guard epoch < settings.epochs else {
            if isWriter { print("nothing to do: \(run.checkpoint) is already at epoch \(epoch) of \(settings.epochs)") }
            return
        }
        let progress = Progress(epochs: settings.epochs, batchesPerEpoch: batchesPerEpoch, batchSize: model.batch * replicas.ranks,
                                interactive: isWriter && Progress.isTerminal)
        while epoch < settings.epochs {
            progress.startEpoch()
            let start = Date()
            var lossSum = 0.0
            for (b, batch) in schedule.batches(epoch: epoch).prefix(batchesPerEpoch).enumerated() {
                lossSum += try step(batch)
                progress.batchDone(epoch: epoch, batch: b, meanLoss: lossSum / Double(b + 1))
            }
            epoch += 1
            let seconds = Date().timeIntervalSince(start), loss = lossSum / Double(batchesPerEpoch)
            let reductions = replicas.takeReductions()
            if isWriter {
                let evaluation = try evaluateIfDue()
                let note = (evaluation.map {
                    " image AUROC " + ($0.imageAUROC.map { String(format: "%.4f", $0) } ?? "-")
                        + ($0.pixelAUROC.map { String(format: ", pixel AUROC %.4f", $0) } ?? "")
                } ?? "") + reductionNote(reductions, seconds: seconds)
                progress.epochDone(epoch: epoch - 1, meanLoss: loss, seconds: seconds, note: note)
                try log.append(epoch: epoch, steps: model.library.adamSteps, loss: loss,
                               imagesPerSecond: Double(batchesPerEpoch * model.batch * replicas.ranks) / seconds,
                               seconds: seconds, evaluation: evaluation)
                if epoch % settings.checkpointEvery == 0 || epoch == settings.epochs { try saveCheckpoint() }
            }
            // The others wait here while rank 0 evaluates and writes, so that none starts the
            // next epoch's reductions (and its clock) while rank 0 is busy.
            try replicas.barrier()
        }
        if isWriter { print("trained \(settings.epochs) epochs; checkpoint \(run.checkpoint)") }
    }

    /// Rank 0's view of the job: how many images each rank trains on.
    private var trainingImagesNote: String {
        guard replicas.ranks > 1 else { return "\(training.count) training images" }
        return "\(dataset.train.count) training images shared by \(replicas.ranks) ranks (rank 0 has \(training.count))"
    }

    private var globalBatchNote: String {
        replicas.ranks == 1 ? "\(model.batch)" : "\(model.batch * replicas.ranks) (\(replicas.ranks) ranks x \(model.batch))"
    }

    /// The time the epoch's steps spent summing across the ranks (nothing in a job of one).
    private func reductionNote(_ reductions: ModelReplicas.Reductions, seconds: Double) -> String {
        guard replicas.ranks > 1 else { return "" }
        return String(format: "  reductions %.3f s per step (%.0f%%, %d calls, %.1f MB per step)",
                      reductions.seconds / Double(batchesPerEpoch), 100 * reductions.seconds / max(seconds, 1e-9),
                      reductions.calls / batchesPerEpoch, Double(reductions.bytes) / Double(batchesPerEpoch) / 1e6)
    }

    private var lastBatchNote: String {
        if replicas.ranks > 1 {
            let left = dataset.train.count - batchesPerEpoch * model.batch * replicas.ranks
            return left > 0 ? "\(left) images of the ranks' shuffled shares are left out each epoch, so that every rank takes as many steps"
                : left < 0 ? "\(-left) repeated images pad the ranks' last batches" : "every image once per epoch"
        }
        let left = training.count % model.batch
        guard left > 0 else { return "no partial batch" }
        return schedule.lastBatch == .drop
            ? "the last \(left) images of each shuffled epoch are dropped; --last-batch pad keeps them"
            : "the last batch is padded with \(model.batch - left) repeated images"
    }

    /// One optimizer step on `batch` (image indices); returns its loss.
    private func step(_ batch: [Int]) throws -> Double {
        let library = model.library
        if features.contains(all: batch) {
            try features.load(batch, into: model)
            try library.forwardTrainFromFeatures()
        } else {
            try library.setInput(training.images(at: batch))
            try library.forwardTrain()
            try features.store(batch, from: model)
        }
        let loss = library.adamSteps + 1 == nanAtStep ? .nan : try library.doubles(named: model.loss)[0]
        guard loss.isFinite else {
            let kept = FileManager.default.fileExists(atPath: run.checkpoint)
                ? "the last good checkpoint \(run.checkpoint) is kept as it was"
                : "no checkpoint had been written yet"
            throw TrainingError("training stopped: the loss is \(loss) at epoch \(epoch + 1), step \(library.adamSteps + 1) "
                                + "(images \(batch.map { training.items[$0].name }.joined(separator: ", "))); \(kept). "
                                + "A smaller learning rate (--lr, now \(settings.lr)) usually helps")
        }
        try library.backward()
        try library.adamStep(lr: settings.lr, beta1: settings.beta1, beta2: settings.beta2, eps: settings.eps)
        return try replicas.mean(loss)  // the global batch's loss: the ranks' shares are of one size
    }

    /// The weights as they are now on the whole test set (loaded now unless evaluation during
    /// training already holds it), as `rdc eval` of the last checkpoint reports them.
    public func evaluate() throws -> EvaluationReport {
        let test = try self.test ?? Evaluation.loadTest(dataset, for: model, skipBad: settings.skipBad)
        return try Evaluation(model: model, test: test, dataset: dataset, checkpoint: run.checkpoint).report
    }

    private func evaluateIfDue() throws -> EvaluationReport.Row? {
        guard let test, epoch % settings.evalEvery == 0 || epoch == settings.epochs else { return nil }
        replicas.detach(from: model.library)
        defer { replicas.attach(to: model.library) }
        return try Evaluation(model: model, test: test, dataset: dataset, checkpoint: run.checkpoint).report.overall
    }

    private func saveCheckpoint() throws {
        let checkpoint = try ModelState.capture(model, epoch: epoch)
        for info in model.library.tensors where info.trainable {
            guard checkpoint.tensors[info.name]!.values.allSatisfy(\.isFinite) else {
                throw TrainingError("training stopped at epoch \(epoch): \(info.name) is no longer finite; "
                                    + "\(run.checkpoint) is kept as it was. A smaller learning rate (--lr) usually helps")
            }
        }
        try checkpoint.write(to: run.checkpoint)
    }
}
