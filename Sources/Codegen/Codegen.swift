import DSL
import Foundation

/// The compiler: graph in, C library out.
///
///     let graph = try Zoo.model("rd4ad_resnet18", widthDiv: 8, height: 64, width: 64, batch: 2).graph()
///     let artifacts = try Codegen.compile(graph: graph, name: "r18", outDir: "generated")
///     let model = try CompiledModel(libraryPath: artifacts.library!)
///
/// Passes, in order: ShapeCheck, GraphFacts (phases, persistence), GradientFlow, Fusion
/// and FoldBatchNorm (in the lowering), Autodiff, MemoryPlan, EmitC, then clang.
public enum Codegen {
    public struct Options: Sendable {
        /// float64 is for gradient checks; the ABI reports the element size.
        public var precision: Precision
        /// What the frozen teacher computes in where `precision` is float32: float64 by
        /// default, its features rounded once (WideTeacher.swift: a float32 teacher's error
        /// flips the student's ReLU masks and moves gradients by up to 1e-2); float32 runs
        /// its forward about twice as fast.
        public var teacherPrecision: Precision
        /// The scalar output rdc_backward differentiates.
        public var loss: String
        /// Run clang to build libNAME.so; false only writes the C, header and manifest.
        public var buildLibrary: Bool
        /// Which 3x3 stride-1 convolutions go through Winograd's F(4x4, 3x3) (WinogradKernels).
        public var winograd: Winograd
        /// Run each frozen conv -> depthwise -> 1x1 chain as one kernel (DepthwiseChainKernels).
        public var depthwiseChains: Bool
        /// Take the weight gradients of narrow 3x3 stride-1 convolutions by dot products along
        /// the image (DotWeightGradient) rather than the implicit GEMM.
        public var dotWeightGradients: Bool

        public init(precision: Precision = .float32, teacherPrecision: Precision = .float64, loss: String = "loss_flat",
                    buildLibrary: Bool = true, winograd: Winograd = .whereItWins, depthwiseChains: Bool = true,
                    dotWeightGradients: Bool = true) {
            self.precision = precision; self.teacherPrecision = teacherPrecision; self.loss = loss; self.buildLibrary = buildLibrary; self.winograd = winograd
            self.depthwiseChains = depthwiseChains; self.dotWeightGradients = dotWeightGradients
        }
    }

    /// Which convolutions take the Winograd path: none (every one on the implicit GEMM), those
    /// of the shapes where it wins, or every one it fits (tests: it is then exercised on the
    /// small shapes of the golden cases too).
    public enum Winograd: Sendable {
        case never, whereItWins, wherever
    }

    /// Writes `outDir/NAME/NAME.c`, `NAME.h`, `rdc_abi.h`, `manifest.json` and (unless
    /// disabled) builds `libNAME.so` there.
    public static func compile(graph: Graph, name: String, outDir: String, options: Options = Options()) throws -> CompiledArtifacts {
        guard !name.isEmpty, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }) else {
            throw CodegenError("model name '\(name)' must be letters, digits, '_', '-' and '.' (it names C files and a library)")
        }
        try ShapeCheck.run(graph)
        let facts = try GraphFacts(graph)
        guard facts.phase.contains(.input) else { throw CodegenError("graph '\(graph.name)' has no input node") }
        let flow = try GradientFlow(facts, loss: options.loss)
        let program = try ProgramBuilder(facts, flow, name: name, precision: options.precision, teacherPrecision: options.teacherPrecision,
                                         winograd: options.winograd, depthwiseChains: options.depthwiseChains,
                                         dotWeightGradients: options.dotWeightGradients).build()
        let p = program.phases
        let emit = EmitC(program: program, state: StateLayout(program),
                         train: MemoryPlan(program, timeline: p.teacher + p.studentTrain + p.lossHeads + p.mapHeads + p.backward),
                         eval: MemoryPlan(program, timeline: p.teacher + p.studentEval + p.lossHeads + p.mapHeads),
                         runtime: try ["rdc_runtime.c", "rdc_gemm.c", "rdc_winograd.c", "rdc_dot.c"].map(Templates.text))
        func flops(_ kernels: [Int]) -> Int { kernels.map { program.kernels[$0].flops }.reduce(0, +) }
        let forwardTrain = flops(p.teacher + p.studentTrain + p.lossHeads), backward = flops(p.backward)
        let counts = Manifest.Flops(forward_train: forwardTrain, backward: backward, training_step: forwardTrain + backward,
                                    forward_eval: flops(p.teacher + p.studentEval + p.lossHeads + p.mapHeads))

        let dir = URL(fileURLWithPath: outDir).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = dir.appendingPathComponent("\(name).c"), header = dir.appendingPathComponent("\(name).h")
        let manifest = dir.appendingPathComponent("manifest.json")
        try Data(emit.source(flops: (forwardTrain, backward)).utf8).write(to: source)
        try Data(emit.header().utf8).write(to: header)
        try Data(try Templates.text("rdc_abi.h").utf8).write(to: dir.appendingPathComponent("rdc_abi.h"))
        try Manifest(emit, graph: graph.name, loss: options.loss, flops: counts).json().write(to: manifest)
        var library: String?
        if options.buildLibrary {
            library = dir.appendingPathComponent("lib\(name).so").path
            try CCompiler.build(source: source.path, library: library!, teacherUnit: program.teacherUnit)
        }
        let scratchBuffers = program.buffers.indices.filter { program.buffers[$0].placement == .arena }
        let scratch = scratchBuffers.map { MemoryPlan.aligned(program.bytes(of: $0)) }.reduce(0, +)
        return CompiledArtifacts(directory: dir.path, source: source.path, header: header.path, manifest: manifest.path,
                                 library: library, kernelCount: program.kernels.count,
                                 flops: .init(trainingStep: counts.training_step, forwardTrain: forwardTrain,
                                              backward: backward, forwardEval: counts.forward_eval),
                                 stateBytes: emit.state.bytes, arenaBytes: emit.arenaBytes, scratchBytes: scratch,
                                 memoryPlan: memoryPlanText(emit, scratch: scratch, buffers: scratchBuffers.count))
    }

    private static func memoryPlanText(_ e: EmitC, scratch: Int, buffers: Int) -> String {
        let ratio = e.arenaBytes == 0 ? 1 : Double(scratch) / Double(e.arenaBytes)
        return """
        memory plan of \(e.program.name):
          state  \(e.state.bytes) bytes (parameters, statistics, gradients, Adam moments, outputs, folded weights)
          arena  \(e.arenaBytes) bytes for \(scratch) bytes of scratch in \(buffers) buffers (\(String(format: "%.2f", ratio))x less)
            training timeline (forward, maps, backward): \(e.train.arenaBytes) bytes for \(e.train.bufferBytes) bytes of buffers
            eval timeline (forward, maps): \(e.eval.arenaBytes) bytes for \(e.eval.bufferBytes) bytes of buffers

        """
    }
}

/// What `Codegen.compile` wrote, and the numbers worth reporting.
public struct CompiledArtifacts: Sendable {
    public var directory: String
    public var source: String
    public var header: String
    public var manifest: String
    /// libNAME.so, or nil when the build was not asked for.
    public var library: String?
    public var kernelCount: Int
    public var flops: Flops
    /// Bytes of the persistent state and of the one scratch arena.
    public var stateBytes: Int
    public var arenaBytes: Int
    /// What the scratch buffers would take without sharing.
    public var scratchBytes: Int
    /// The memory plan, as `rdc compile` prints it.
    public var memoryPlan: String

    public struct Flops: Sendable {
        public var trainingStep: Int
        public var forwardTrain: Int
        public var backward: Int
        public var forwardEval: Int
    }
}
