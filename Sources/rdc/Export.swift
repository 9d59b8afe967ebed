import ArgumentParser
import Checkpoints
import DSL
import Foundation
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's weights for C programs (--out), or the whole inference as an ONNX model (--onnx).",
        discussion: """
        --out: every parameter and buffer of the library's tensor table, in table \
        order, as float32, each with its name and element count (see WeightsFile in \
        Sources/Training): read it into rdc_tensor() and call rdc_forward_eval().
        --onnx: image [N,3,H,W] -> anomaly_map [N,H,W], score [N] (opset 17), with the \
        preprocessing and any stored threshold in its metadata (see ONNXExport in Sources).
        """)

    @OptionGroup var weights: WeightsOptions

    @Option(help: "The weights file to write.")
    var out: String?

    @Option(help: "The ONNX model to write.")
    var onnx: String?

    @Flag(help: "Replace --out or --onnx even if it is not a file of that kind rdc wrote.")
    var force = false

    func validate() throws {
        guard (out == nil) != (onnx == nil) else {
            throw ValidationError("give exactly one of --out FILE (rdc weights for C programs) and --onnx FILE (an ONNX model)")
        }
    }

    func run() throws {
        guard let out else { return try writeONNX() }
        try OutputFile(flag: "--out", path: out, kind: "an rdc weights file",
                       isOwnKind: { fileHead($0, count: WeightsFile.magic.count) == WeightsFile.magic })
            .check(inputs: weights.inputFiles, force: force)
        let (model, _) = try weights.open()
        let data = try WeightsFile.data(of: model)
        try AtomicFile.write(data, to: out)
        print("wrote \(out): \(data.count) bytes for \(model.library.modelName)")
    }
}
