import Checkpoints
import Codegen
import DSL
import Foundation
import TorchFiles

/// The model's state as an rdc checkpoint: every parameter and BatchNorm running statistic
/// of the library (teacher included, so eval and infer need no other file) and Adam's
/// moments and step counter (so training resumes exactly).
public enum ModelState {
    static let weightKinds: Set<CompiledModel.Kind> = [.parameter, .buffer]
    static let optimizerKinds: Set<CompiledModel.Kind> = [.adamM, .adamV]

    public static func capture(_ model: GeneratedModel, epoch: Int, metadata: [String: String] = [:]) throws -> Checkpoint {
        var tensors: [String: HostTensor] = [:]
        for info in model.library.tensors where weightKinds.contains(info.kind) || optimizerKinds.contains(info.kind) {
            tensors[info.name] = try model.library.tensor(named: info.name)
        }
        return Checkpoint(fingerprint: model.fingerprint, epoch: epoch, step: model.library.adamSteps,
                          metadata: metadata, tensors: tensors)
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
        guard isOfficialCheckpoint(path) else { return try Checkpoint(contentsOf: path, for: model.graph) }
        guard let teacherWeights else {
            throw TrainingError("\(path) is a PyTorch file (an official RD4AD checkpoint holds only OCBE and decoder): "
                                + "give the teacher's weights too (--teacher-weights FILE)")
        }
        try model.library.load(parameters: try ModelWeights.load(graph: model.graph, teacher: teacherWeights, student: path))
        model.library.adamSteps = 0
        return try capture(model, epoch: 0, metadata: ["imported_from": path])
    }

    /// rdc checkpoints start with their magic line; anything else is taken for PyTorch's.
    public static func isOfficialCheckpoint(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return head.count == 8 && head != Data("RDCCKPT1".utf8)
    }
}
