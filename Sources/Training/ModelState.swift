import Checkpoints
import ModelRuntime
import DSL
import Foundation
import TorchFiles

/// The model's state as an rdc checkpoint: every parameter and BatchNorm running statistic
/// of the library (teacher included, so eval and infer need no other file) and Adam's
/// moments and step counter (so training resumes exactly).
public enum ModelState {
    static let weightKinds: Set<TensorKind> = [.parameter, .buffer]
    static let optimizerKinds: Set<TensorKind> = [.adamM, .adamV]

    public static func capture(_ model: GeneratedModel, epoch: Int, metadata: [String: String] = [:]) throws -> Checkpoint {
        var tensors: [String: HostTensor] = [:]
        for info in model.library.tensors where weightKinds.contains(info.kind) || optimizerKinds.contains(info.kind) {
            tensors[info.name] = try model.library.tensor(named: info.name)
        }
        var checkpoint = Checkpoint(fingerprint: model.fingerprint, epoch: epoch, step: model.library.adamSteps,
                                    metadata: metadata, tensors: tensors)
        stamp(&checkpoint, for: model)
        return checkpoint
    }

    /// Sets the library's weights (and with `optimizer`, Adam's state) from `checkpoint`,
    /// which must hold every one of them; `origin` names it in errors.
    public static func restore(_ checkpoint: Checkpoint, into model: GeneratedModel, optimizer: Bool, origin: String) throws {
        let kinds = optimizer ? weightKinds.union(optimizerKinds) : weightKinds
        let wanted = model.library.tensors.filter { kinds.contains($0.kind) }
        let missing = wanted.filter { checkpoint.tensors[$0.name]?.shape != $0.shape }
        guard missing.isEmpty else {
            let shown = missing.prefix(5).map { "\($0.name) \(Shape($0.shape))" }.joined(separator: ", ")
            throw TrainingError("\(origin) lacks \(missing.count) tensor\(missing.count == 1 ? "" : "s") of \(model.graph.name) "
                                + "(or has other shapes): \(shown)\(missing.count > 5 ? ", ..." : "")")
        }
        for info in wanted { try model.library.setTensor(named: info.name, checkpoint.tensors[info.name]!) }
        if optimizer { model.library.adamSteps = checkpoint.step }
    }

    /// The weights at `path` for `model`: an rdc checkpoint (checked against the model's
    /// fingerprint), or an official RD4AD checkpoint (`{'bn': ..., 'decoder': ...}`, a
    /// PyTorch file) completed with the teacher's weights from `teacherWeights`.
    public static func open(_ path: String, teacherWeights: String?, for model: GeneratedModel) throws -> Checkpoint {
        try checkIsWeightsFile(path)
        guard isOfficialCheckpoint(path) else {
            return sized(try Checkpoint(contentsOf: path, for: model.graph), for: model, origin: path)
        }
        guard let teacherWeights else {
            throw TrainingError("\(path) is a PyTorch file (an official RD4AD checkpoint holds only OCBE and decoder): "
                                + "give the teacher's weights too (--teacher-weights FILE)")
        }
        try model.library.load(parameters: try ModelWeights.load(graph: model.graph, teacher: teacherWeights, student: path))
        model.library.adamSteps = 0
        return try capture(model, epoch: 0, metadata: ["imported_from": path])
    }

    /// The common slips: a run folder for its checkpoint, a file of some other kind.
    private static func checkIsWeightsFile(_ path: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        if isFolder.boolValue {
            let inside = TrainingRun(directory: path).checkpoint
            throw TrainingError("\(path) is a folder, not a checkpoint"
                                + (FileManager.default.fileExists(atPath: inside) ? ": did you mean \(inside)?" : ""))
        }
        guard Checkpoint.isCheckpoint(path) || TorchFile.isPyTorchFile(path) else {
            throw TrainingError("\(path) is neither an rdc checkpoint nor a PyTorch file")
        }
    }

    /// The metadata key of the input size ("HxW") a checkpoint was trained at, or its
    /// threshold stored at (`rdc eval --save-threshold` with a library of another size).
    static let inputSizeKey = "input_size"

    /// Records `model`'s input size as the one the checkpoint's weights and threshold are for.
    public static func stamp(_ checkpoint: inout Checkpoint, for model: GeneratedModel) {
        checkpoint.metadata[inputSizeKey] = inputSize(of: model)
    }

    static func inputSize(of model: GeneratedModel) -> String { "\(model.height)x\(model.width)" }

    /// Weights carry over to another input size, but a score threshold does not (scores
    /// are maxima over maps of another size): loaded into a library of another size, the
    /// checkpoint loses its stored threshold, with a warning.
    static func sized(_ checkpoint: Checkpoint, for model: GeneratedModel, origin: String) -> Checkpoint {
        guard let trained = checkpoint.metadata[inputSizeKey], trained != inputSize(of: model) else { return checkpoint }
        var resized = checkpoint
        let hadThreshold = StoredDecision(checkpoint) != nil
        StoredDecision.remove(from: &resized)
        FileHandle.standardError.write(Data(("warning: \(origin) was trained at \(trained), this library takes "
            + "\(inputSize(of: model))\(hadThreshold ? "; its stored threshold does not apply and is ignored" : "")\n").utf8))
        return resized
    }

    /// A PyTorch file (an official RD4AD checkpoint), not one of rdc's.
    public static func isOfficialCheckpoint(_ path: String) -> Bool {
        !Checkpoint.isCheckpoint(path) && TorchFile.isPyTorchFile(path)
    }
}
