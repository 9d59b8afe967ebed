import ArgumentParser
import DSL
import Distributed
import Foundation
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a compiled model's OCBE and decoder on a dataset's normal images.",
        discussion: """
        Writes RUN/config.json, RUN/log.csv (loss per epoch) and RUN/last.ckpt (every \
        --checkpoint-every epochs and at the end, atomically). --resume RUN continues a run with \
        its saved settings; options given then override them (e.g. more --epochs). Under \
        mpirun -np N one model trains data-parallel: each rank a share of the images in batches \
        of the compiled size, rank 0 writing the run (docs/scaling.md); a run resumes with any N.
        """)

    @Option(help: "The folder `rdc compile` wrote.")
    var generated: String?

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .customLong("teacher-weights"), help: "The teacher's ImageNet weights (.pth).")
    var teacherWeights: String?

    @Option(name: .customLong("student-init"), help: "Start OCBE and decoder from an official RD4AD checkpoint (.pth) instead of the seeded init.")
    var studentInit: String?

    @Option(parsing: .unconditional, help: "Epochs in all (default 200).")
    var epochs: Int?

    @Option(help: "The run folder (default runs/<generated folder name>).")
    var out: String?

    @Option(parsing: .unconditional, help: "Seeds the student init, the batch order and subsets (default 0).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Adam's learning rate (default 0.005).")
    var lr: Double?

    @Option(parsing: .unconditional, help: "Adam's beta1 (default 0.5).")
    var beta1: Double?

    @Option(parsing: .unconditional, help: "Adam's beta2 (default 0.999).")
    var beta2: Double?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write RUN/last.ckpt every this many epochs (default 10).")
    var checkpointEvery: Int?

    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: "Evaluate on the test set every this many epochs (default 0: never).")
    var evalEvery: Int?

    @Option(name: .customLong("last-batch"), help: "A last partial batch: drop (default; other images are left out each epoch) or pad (repeat images).")
    var lastBatch: String?

    @Option(name: .customLong("feature-cache-mb"), parsing: .unconditional, help: "Memory for the teacher features reused every epoch (default 8192).")
    var featureCacheMB: Int?

    @Option(name: .customLong("global-batch"), parsing: .unconditional,
            help: "Under mpirun -np N: the images of one step over all ranks, N x the compiled batch; refused if it is not (default: not checked).")
    var globalBatch: Int?

    @Option(help: "Continue the run in this folder from its last checkpoint.")
    var resume: String?

    @Flag(name: .customLong("all-categories"),
          help: "--data is an MVTec AD root: train one model per category into RUN/<category>/, evaluate each and write RUN/categories.json and .txt; under mpirun the categories are spread over the ranks (docs/scaling.md).")
    var allCategories = false

    @Option(name: .customLong("inject-nan-at-step"), parsing: .unconditional, help: .hidden)
    var injectNaNAtStep: Int?

    func run() throws {
        if allCategories { return try trainAllCategories() }
        var settings: TrainingSettings
        let runDirectory: String
        if let resume {
            if let out, out != resume { throw ValidationError("--resume \(resume) continues in its own folder; drop --out \(out)") }
            let run = TrainingRun(directory: resume)
            if !FileManager.default.fileExists(atPath: run.config), FileManager.default.fileExists(atPath: run.checkpoint) {
                // The checkpoint survives a lost config.json: the command line says again what the run was.
                guard let generated, let data = dataOptions.data else {
                    throw ValidationError("\(run.config) is missing, so the run's settings are lost: resume from "
                                          + "\(run.checkpoint) with the options it was started with (at least --generated DIR "
                                          + "--data DIR) after --resume \(resume)")
                }
                settings = TrainingSettings(generated: generated, data: data)
            } else {
                settings = try run.readSettings()
            }
            runDirectory = resume
        } else {
            guard let generated, let data = dataOptions.data else {
                throw ValidationError("give --generated DIR (from rdc compile) and --data DIR, or --resume RUN")
            }
            settings = TrainingSettings(generated: generated, data: data)  // made absolute by override
            runDirectory = out ?? defaultRunDirectory(generated)
        }
        override(&settings)
        try train(settings, run: TrainingRun(directory: runDirectory))
    }

    /// Alone, or under mpirun one model trained data-parallel on every rank (docs/scaling.md).
    /// An error on one rank of several ends the job (MPI_Abort) after the rank names it: the
    /// others would otherwise wait for it in their next reduction; ranks that were started
    /// differently all refuse, each saying how, and end in order.
    private func train(_ settings: TrainingSettings, run: TrainingRun) throws {
        let communicator = try Launch.communicator()
        do {
            let trainer = try Trainer(settings: settings, run: run, resume: resume != nil, communicator: communicator,
                                      globalBatch: globalBatch)
            trainer.nanAtStep = injectNaNAtStep
            try trainer.train()
        } catch let refusal as RanksDisagree {
            try refuseTogether(refusal, communicator)
        } catch where communicator.size > 1 {
            communicator.abort("\(FileProblem(error) ?? error)")
        }
        try communicator.finalize()
    }

    private func trainAllCategories() throws {
        if let resume { throw ValidationError("--all-categories starts every category afresh; drop --resume \(resume)") }
        guard let generated, let data = dataOptions.data else {
            throw ValidationError("--all-categories needs --generated DIR (from rdc compile) and --data MVTEC_ROOT")
        }
        var settings = TrainingSettings(generated: generated, data: data)
        override(&settings)
        try CategoryFanOut(template: settings, runDirectory: out ?? defaultRunDirectory(generated)).run()
    }

    private func defaultRunDirectory(_ generated: String) -> String { "runs/" + (generated as NSString).lastPathComponent }

    /// Options given on the command line win over the defaults or the resumed run's. Paths
    /// are kept absolute, so a run resumes from any working directory.
    private func override(_ s: inout TrainingSettings) {
        if let generated { s.generated = absolute(generated) }
        if let data = dataOptions.data { s.data = absolute(data) }
        if let v = dataOptions.normalClass { s.normalClass = v }
        if let v = dataOptions.trainLimit { s.trainLimit = v }
        if let v = dataOptions.testLimit { s.testLimit = v }
        if dataOptions.skipBad { s.skipBad = true }
        if let v = teacherWeights { s.teacherWeights = absolute(v) }
        if let v = studentInit { s.studentInit = absolute(v) }
        if let v = epochs { s.epochs = v }
        if let v = seed { s.seed = v }
        if let v = lr { s.lr = v }
        if let v = beta1 { s.beta1 = v }
        if let v = beta2 { s.beta2 = v }
        if let v = checkpointEvery { s.checkpointEvery = v }
        if let v = evalEvery { s.evalEvery = v }
        if let v = lastBatch { s.lastBatch = v }
        if let v = featureCacheMB { s.featureCacheMB = v }
    }

    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}
