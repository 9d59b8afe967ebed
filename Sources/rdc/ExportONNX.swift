import ArgumentParser
import Checkpoints
import Foundation
import Imaging
import ONNXExport
import Training

extension Export {
    /// `rdc export --onnx FILE`: the compiled model's graph with the checkpoint's weights.
    func writeONNX() throws {
        guard let onnx else { return }
        try OutputFile(flag: "--onnx", path: onnx, kind: "an ONNX model rdc wrote", isOwnKind: InferenceModel.isWrittenByRDC)
            .check(inputs: weights.inputFiles, force: force)
        let (model, checkpoint) = try weights.open()
        let data = try InferenceModel.serialized(graph: model.graph, weight: model.library.tensor(named:),
                                                 metadata: Self.onnxMetadata(model, checkpoint))
        try AtomicFile.write(data, to: onnx)
        print("wrote \(onnx): \(data.count) bytes, \(model.graph.name) for \(model.height)x\(model.width) images, any batch")
    }

    /// What a program running the ONNX model needs besides it: how to prepare an image
    /// (the RD4AD preprocessing rdc infer applies) and where a score becomes anomalous.
    static func onnxMetadata(_ model: GeneratedModel, _ checkpoint: Checkpoint) -> [(key: String, value: String)] {
        func list(_ values: [Float]) -> String { values.map { "\($0)" }.joined(separator: ",") }
        let threshold = StoredDecision(checkpoint).map { [(key: "threshold", value: "\($0.threshold)")] } ?? []
        return [
            ("model", model.graph.name),
            ("rdc_fingerprint", model.fingerprint.digest),
            ("image_size", "\(model.height)x\(model.width)"),
            ("preprocessing", "RGB, bilinear resize (PIL) to image_size (height x width), /255, (x - mean) / std per "
                + "channel, NCHW float32"),
            ("mean", list(RD4ADPreprocessing.imageNetMean)),
            ("std", list(RD4ADPreprocessing.imageNetStd)),
        ] + threshold
    }
}
