import ArgumentParser
import Codegen
import DSL
import Foundation

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a model file (or a zoo model) to shape-specialized C and build its library.",
        discussion: """
        MODEL is a Swift model file (see Models/*.swift: it imports DSL and RDGraphs and calls \
        emit(RD4AD(...))) or a zoo name. The C, its header, manifest.json and libNAME.so go to \
        --out (default generated/NAME).
        """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Output folder; its last component names the library (default generated/<model name>).")
    var out: String?

    @Flag(name: .customLong("emit-only"), help: "Write the C, header, manifest and graph, but do not build the library.")
    var emitOnly = false

    @Flag(name: .customLong("no-winograd"),
          help: "Keep every convolution on the implicit GEMM (by default 3x3 stride-1 ones use Winograd F(4x4,3x3) where it wins).")
    var noWinograd = false

    @Flag(name: .customLong("no-chains"),
          help: "Run each frozen conv -> depthwise -> 1x1 chain (EfficientNet's blocks) as separate kernels (by default one kernel keeps the wide tensor between them in cache).")
    var noChains = false

    @Flag(name: .customLong("no-dot-weight-gradients"),
          help: "Take every weight gradient outside Winograd by the implicit GEMM (by default narrow 3x3 stride-1 convolutions' go by dot products along the image).")
    var noDotWeightGradients = false

    @Flag(name: .customLong("float32-teacher"),
          help: "Run the frozen teacher in float32 (by default in float64: its features carry one rounding, which keeps the float32 gradients within ~1e-5 of the truth; float32 runs its forward about twice as fast).")
    var float32Teacher = false

    @Flag(help: "Compute everything in float64 (about half as fast): for checks that compare runs to ~1e-9, such as data-parallel training against one process.")
    var float64 = false

    @Option(help: "The loss the backward differentiates: flat (default; 1 - cosine of each whole flattened feature map, as the official code trains) or pixel (the paper's Eq. 2: the mean over pixels of 1 - cosine over channels).")
    var loss: TrainingLoss = .flat

    @Flag(help: "Write into --out even where it holds files of those names that rdc compile did not write.")
    var force = false

    func run() throws {
        let graph = try model.graph()
        let outURL = URL(fileURLWithPath: out ?? "generated/\(graph.name)")
        try checkOut(outURL)
        let artifacts = try Codegen.compile(graph: graph, name: outURL.lastPathComponent,
                                            outDir: outURL.deletingLastPathComponent().path,
                                            options: Codegen.Options(precision: float64 ? .float64 : .float32, teacherPrecision: float32Teacher ? .float32 : .float64, loss: loss.output,
                                                                     buildLibrary: !emitOnly, winograd: noWinograd ? .never : .whereItWins,
                                                                     depthwiseChains: !noChains, dotWeightGradients: !noDotWeightGradients))
        // The IR travels with the library: train/eval/infer read names, roles and sizes from it.
        try graph.jsonData().write(to: outURL.appendingPathComponent("graph.json"))
        print("\(graph.name): \(graph.nodes.count) nodes -> \(artifacts.kernelCount) kernels, input \(graph.nodes[0].shape)")
        print("  training step \(gflops(artifacts.flops.trainingStep)) GFLOP "
              + "(forward \(gflops(artifacts.flops.forwardTrain)), backward \(gflops(artifacts.flops.backward))), "
              + "inference \(gflops(artifacts.flops.forwardEval)) GFLOP")
        print(artifacts.memoryPlan, terminator: "")
        print("wrote \(artifacts.source), \(artifacts.header), \(artifacts.manifest), graph.json")
        if let library = artifacts.library { print("built \(library)") }
    }

    /// --out is a new folder or one rdc compile wrote (its manifest.json is rdc's): a file of
    /// the names compile writes found anywhere else is the user's, and is not replaced
    /// without --force.
    private func checkOut(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let names = ["\(name).c", "\(name).h", "rdc_abi.h", "manifest.json", "graph.json", "lib\(name).so"]
        let present = names.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        guard !present.isEmpty, !force, !Self.isCompiled(folder) else { return }
        throw ValidationError("--out \(folder.path) holds \(present.joined(separator: ", ")), which rdc compile did not write: "
                              + "not replacing them (--force replaces them anyway)")
    }

    /// Whether `folder`'s manifest.json is one rdc compile wrote (it names the ABI version and the kernels).
    private static func isCompiled(_ folder: URL) -> Bool {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("manifest.json")),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return json["abi_version"] != nil && json["kernels"] != nil
    }
}

/// rdc compile --loss: which of the graph's two losses training minimizes.
enum TrainingLoss: String, ExpressibleByArgument, CaseIterable {
    case flat, pixel
    var output: String { "loss_" + rawValue }
}

func gflops(_ flops: Int) -> String { String(format: "%.2f", Double(flops) / 1e9) }
