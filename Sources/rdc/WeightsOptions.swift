import ArgumentParser
import Foundation
import Checkpoints
import Training

/// A compiled model and the weights to run it with, shared by eval, infer and export.
struct WeightsOptions: ParsableArguments {
    @Option(help: "The folder `rdc compile` wrote (NAME.c, libNAME.so, graph.json).")
    var generated: String

    @Option(help: "An rdc checkpoint (RUN/last.ckpt), or an official RD4AD checkpoint (.pth with 'bn' and 'decoder').")
    var checkpoint: String

    @Option(name: .customLong("teacher-weights"), help: "The teacher's weights; needed with an official RD4AD checkpoint.")
    var teacherWeights: String?

    /// Every file the command reads: the checkpoint, the teacher's weights and what is in
    /// the generated folder (no output may replace one of them).
    var inputFiles: [String] {
        let folder = (try? FileManager.default.contentsOfDirectory(atPath: generated)) ?? []
        return [checkpoint] + (teacherWeights.map { [$0] } ?? []) + folder.map { generated + "/" + $0 }
    }

    /// The model with the checkpoint's weights set, and the checkpoint (for its metadata).
    func open() throws -> (GeneratedModel, Checkpoint) {
        let model = try GeneratedModel(directory: generated)
        let checkpoint = try ModelState.open(self.checkpoint, teacherWeights: teacherWeights, for: model)
        try ModelState.restore(checkpoint, into: model, optimizer: false, origin: self.checkpoint)
        return (model, checkpoint)
    }
}

/// Which images of a dataset folder, shared by train and eval.
struct DataOptions: ParsableArguments {
    @Option(help: "The dataset folder: an MVTec AD category, a plain folder (train/, test/normal, test/anomalous), MNIST idx files or ELPV.")
    var data: String?

    @Option(name: .customLong("normal-class"), parsing: .unconditional, help: "MNIST: the class that is normal.")
    var normalClass: Int?

    @Option(name: .customLong("train-limit"), parsing: .unconditional, help: "Use at most this many training images (a seeded subset).")
    var trainLimit: Int?

    @Option(name: .customLong("test-limit"), parsing: .unconditional, help: "Use at most this many test images (a seeded subset, both labels kept).")
    var testLimit: Int?

    @Flag(name: .customLong("skip-bad"), help: "Skip unreadable images with a warning instead of stopping.")
    var skipBad = false
}
