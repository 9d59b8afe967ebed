import DSL
import Foundation
import Training

/// Times a compiled model's steps with the calls the runtime makes (Trainer, Inference):
///   train         setInput + forwardTrain + backward + adamStep     (epoch 1: the teacher runs)
///   train-cached  setTensor t1..t3 + forwardTrainFromFeatures + backward + adamStep
///                 (later epochs: the teacher's features come from the cache)
///   infer         setInput + forwardEval (losses, anomaly maps, scores) + reading the scores
struct ModelBench {
    let model: GeneratedModel
    let flops: StepFlops
    private let images: HostTensor
    /// Adam as training runs it (lr, betas, eps).
    private let adam = TrainingSettings(generated: "", data: "")

    init(generated: String) throws {
        model = try GeneratedModel(directory: generated)
        flops = try StepFlops(generated: generated, graph: model.graph)
        try model.library.load(parameters: try BenchWeights.parameters(of: model))
        images = BenchWeights.images(shape: try model.library.info(named: "input").shape)
    }

    /// Sets up `what`, waits up to `quietWait` seconds for a quiet machine, then times it.
    func measure(_ what: Bench.What, timer: StepTimer, threads: Int, quietWait: Double = 0) throws -> BenchRecord {
        let library = model.library
        let step: () throws -> Void, stepFlops: Int
        var cacheBytes: Int?
        switch what {
        case .train:
            stepFlops = flops.trainingStep
            step = {
                try library.setInput(images)
                try library.forwardTrain()
                try self.backwardAndAdam()
            }
        case .trainCached:
            stepFlops = flops.cachedTrainingStep
            let features = try teacherFeatures()
            cacheBytes = features.map { 4 * $0.1.values.count }.reduce(0, +)
            step = {
                for (name, values) in features { try library.setTensor(named: name, values) }
                try library.forwardTrainFromFeatures()
                try self.backwardAndAdam()
            }
        case .infer:
            stepFlops = flops.forwardEval
            step = {
                try library.setInput(images)
                try library.forwardEval()
                _ = try library.doubles(named: "image_scores")
            }
        case .fmaPeak, .sgemm:
            preconditionFailure("\(what.rawValue) is a ceiling, not a model step")
        }
        OtherLoad.waitForQuiet(timeout: quietWait)
        let profile = KernelProfile(libraryPath: library.libraryPath)
        var load: OtherLoad?
        let timing = try timer.time(beforeTimed: { profile?.reset(); load = OtherLoad() }, step)
        return BenchRecord(what: what.rawValue, impl: "rdc", model: model.graph.name, batch: model.batch,
                           height: model.height, width: model.width, threads: threads, timesS: timing.times,
                           medianS: timing.median, flops: stepFlops, gflopsPerS: Double(stepFlops) / timing.median / 1e9,
                           peakRssBytes: peakResidentBytes(),
                           featureCacheBytesPerImage: cacheBytes.map { $0 / max(1, model.batch) }, featureCacheBytesHeld: cacheBytes,
                           capped: timing.capped ? true : nil,
                           othersCpuShare: load?.share(),
                           profile: profile?.kernels())
    }

    private func backwardAndAdam() throws {
        try model.library.backward()
        try model.library.adamStep(lr: adam.lr, beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps)
    }

    /// The teacher's outputs for the stand-in images, as the feature cache would hold them.
    private func teacherFeatures() throws -> [(String, HostTensor)] {
        try model.library.setInput(images)
        try model.library.forwardTrain()
        return try model.graph.outputs.filter { model.graph.nodes[$0.node].role == .teacher }
            .map { ($0.name, try model.library.tensor(named: $0.name)) }
    }
}

/// This process's peak resident set in bytes (Linux reports ru_maxrss in KiB).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
