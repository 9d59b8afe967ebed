import ModelRuntime
import DSL

/// Lowers a checked graph to a Program: lays out the state, then emits the forward kernels
/// of every phase (the trainable part twice: training and eval mode), the heads, and the
/// backward (Autodiff.swift).
final class ProgramBuilder {
    let graph: Graph
    let facts: GraphFacts
    let flow: GradientFlow
    var program: Program
    private var values: [Int?]
    private(set) var parameterBuffers: [String: Int] = [:]
    private(set) var gradientBuffers: [String: Int] = [:]
    /// Saved mean and 1/std of each training-mode BatchNorm, for its backward.
    var savedStatistics: [Int: (mean: Int, invstd: Int)] = [:]
    private var kernelsByName: [String: Int] = [:]
    private var scratchByName: [String: Int] = [:]

    /// Which convolutions take Winograd's path (Codegen.Options.winograd).
    let winograd: Codegen.Winograd
    /// Whether frozen conv -> depthwise -> 1x1 chains run as one kernel (Codegen.Options).
    let depthwiseChains: Bool
    /// Whether narrow 3x3 convolutions' weight gradients go by dot products (Codegen.Options).
    let dotWeightGradients: Bool
    /// Set while the teacher is lowered in float64 within a float32 program (WideTeacher.swift).
    var wide: WideTeacher?

    init(_ facts: GraphFacts, _ flow: GradientFlow, name: String, precision: Precision, teacherPrecision: Precision,
         winograd: Codegen.Winograd, depthwiseChains: Bool, dotWeightGradients: Bool) {
        graph = facts.graph
        self.facts = facts
        self.flow = flow
        self.winograd = winograd
        self.depthwiseChains = depthwiseChains
        self.dotWeightGradients = dotWeightGradients
        program = Program(name: name, precision: precision)
        program.teacherUnit = precision == .float32 && teacherPrecision == .float64
        values = Array(repeating: nil, count: graph.nodes.count)
    }

    func build() throws -> Program {
        layOutState()
        program.phases.teacher = try program.teacherUnit ? wideTeacher() : forward(facts.nodes(in: .teacher), training: false).kernels
        let train = try forward(facts.nodes(in: .student), training: true)
        program.phases.studentTrain = train.kernels
        program.phases.studentEval = try forward(facts.nodes(in: .student), training: false).kernels
        let lossHeads = try forward(facts.nodes(in: .lossHead), training: true)
        program.phases.lossHeads = lossHeads.kernels
        program.phases.mapHeads = try forward(facts.nodes(in: .mapHead), training: false).kernels
        program.phases.backward = try differentiate(train.steps + lossHeads.steps)
        return program
    }

    // MARK: State

    /// The state, in this order: the Adam region (trainable parameters with a gradient,
    /// then their gradients, first and second moments, each run laid out alike), the other
    /// parameters and running statistics nodes read, then the values that persist (inputs,
    /// named outputs, teacher features). Folded weights are appended as they are made.
    private func layOutState() {
        let trained = flow.parameters.compactMap { graph.parameter($0) }
        program.adamRegion.firstBuffer = program.buffers.count
        program.adamRegion.parameterCount = trained.count
        for p in trained {
            parameterBuffers[p.name] = addBuffer(Buffer(name: p.name, shape: p.shape.dims, placement: .state,
                                                        exposed: .parameter, trainable: true))
        }
        for p in trained {
            gradientBuffers[p.name] = addBuffer(Buffer(name: "grad." + p.name, shape: p.shape.dims, placement: .state, exposed: .gradient))
        }
        for (prefix, kind) in [("adam_m.", TensorKind.adamM), ("adam_v.", .adamV)] {
            for p in trained {
                addBuffer(Buffer(name: prefix + p.name, shape: p.shape.dims, placement: .state, exposed: kind))
            }
        }
        let read = Set(graph.nodes.flatMap(\.params))
        for p in graph.parameters where read.contains(p.name) && parameterBuffers[p.name] == nil {
            let kind: TensorKind = (p.kind == .runningMean || p.kind == .runningVar) ? .buffer : .parameter
            parameterBuffers[p.name] = addBuffer(Buffer(name: p.name, shape: p.shape.dims, placement: .state, exposed: kind))
        }
        for node in graph.nodes where facts.persistent[node.id] {
            let names = facts.names[node.id]
            let kind: TensorKind = facts.phase[node.id] == .input ? .input : .output
            var b = Buffer(name: names.first ?? "feature." + node.name, shape: node.shape.dims, placement: .state, exposed: kind)
            b.aliases = Array(names.dropFirst())
            values[node.id] = addBuffer(b)
        }
    }

    @discardableResult
    func addBuffer(_ b: Buffer) -> Int {
        program.buffers.append(b)
        return program.buffers.count - 1
    }

    /// Scratch in the arena (double in a float64 teacher).
    func scratch(_ name: String, _ shape: [Int], isDouble: Bool = false) -> Int {
        addBuffer(Buffer(name: name, shape: shape, placement: .arena, isDouble: isDouble || wide != nil))
    }

    /// The window matrix of a (transposed) convolution pass, if it needs one. One per node
    /// and pass, shared by the training and eval forms of a kernel.
    func columns(_ conv: ConvNode, _ pass: ConvNode.Pass, of node: Node) -> Int? {
        guard let count = conv.columns(pass) else { return nil }
        let name = "col.\(pass).\(node.name)"
        if let b = scratchByName[name] { return b }
        let b = scratch(name, [count])
        scratchByName[name] = b
        return b
    }

    /// The buffer holding a node's value (arena unless it persists; its float64 copy in a
    /// float64 teacher).
    func value(_ node: Int) -> Int { wide != nil ? wideValue(node) : storedValue(node) }

    /// The buffer holding a node's value in the program's precision.
    func storedValue(_ node: Int) -> Int {
        if let b = values[node] { return b }
        let b = scratch("act." + graph.nodes[node].name, graph.nodes[node].shape.dims)
        values[node] = b
        return b
    }

    /// A parameter's buffer as the host loads it (its float64 copy in a float64 teacher).
    func parameter(_ name: String) -> Int { wide != nil ? wideParameter(name) : loaded(name) }

    /// A parameter's buffer in the ABI's tensor table.
    func loaded(_ name: String) -> Int { parameterBuffers[name]! }

    // MARK: Kernels

    /// Adds a kernel named after its graph node (`k042_decoder_layer2_0_conv1_fwd`). The
    /// training and eval forms of the trainable part share every kernel that does not
    /// depend on the mode; such a kernel is made once.
    func kernel(_ node: Int, _ suffix: String, _ what: String, code: KernelCode, flops: Int,
                family: String? = nil, part: Kernel.Part? = nil, formula: String? = nil) -> Int {
        let digits = max(3, String(graph.nodes.count - 1).count)
        let id = String(repeating: "0", count: digits - String(node).count) + String(node)
        let name = "k\(id)_\(CText.identifier(graph.nodes[node].name))_\(suffix)"
        let k = Kernel(name: name, node: node, suffix: suffix, summary: ["\(graph.nodes[node].name): \(what)"]
                           + [formula ?? KernelFormula.of(graph.nodes[node].op, suffix: suffix)].compactMap { $0 } + [CText.amount(flops, "FLOP")],
                       args: code.args, body: code.body, usesReducer: code.usesReducer, flops: flops,
                       family: family ?? KernelFamily.of(graph.nodes[node].op, suffix: suffix), part: part)
        if let existing = kernelsByName[name] {
            precondition(program.kernels[existing].body == code.body && program.kernels[existing].args.map(\.buffer) == k.args.map(\.buffer),
                         "two different kernels named \(name)")
            return existing
        }
        program.kernels.append(k)
        kernelsByName[name] = program.kernels.count - 1
        return program.kernels.count - 1
    }

    func forward(_ nodes: [Int], training: Bool) throws -> (steps: [Step], kernels: [Int]) {
        let steps = Fusion.steps(nodes, facts, training: training)
        var kernels: [Int] = []
        for unit in depthwiseChains ? Fusion.units(steps, facts, training: training) : steps.map(ForwardUnit.step) {
            switch unit {
            case .step(let step): kernels.append(try forwardKernel(step, training: training))
            case .chain(let chain):
                if let k = chainKernel(chain) { kernels.append(k) } else {
                    kernels += try chain.steps.map { try forwardKernel($0, training: training) }
                }
            }
        }
        return (steps, kernels)
    }

    /// " + batchnorm + relu"-style names of what a step fuses into its main node.
    func fusedNames(_ step: Step) -> String {
        (step.bn.map { _ in " + batchnorm" } ?? "") + (step.act.map { " + " + graph.nodes[$0].op.kind } ?? "")
    }

    func shapes(_ node: Node) -> String {
        node.inputs.map { CText.shape(graph.nodes[$0].shape.dims) }.joined(separator: ", ") + " -> " + CText.shape(node.shape.dims)
    }

    /// The kernel computing one step's value, by its op's lowering (Ops/).
    private func forwardKernel(_ step: Step, training: Bool) throws -> Int {
        let node = graph.nodes[step.main]
        // Eval-mode kernels of the trainable part differ from their training form.
        let evalForm = !training && node.role.isTrainable && (step.bn != nil || step.act != nil && node.op.isConvolution
                                                              || node.op.isBatchNorm)
        let s = ForwardStep(step: step, node: node, x: node.inputs.map { value($0) }, y: value(step.output),
                            act: step.act.map { Activation(graph.nodes[$0].op)! }, training: training,
                            suffix: evalForm ? "fwd_eval" : "fwd", fused: fusedNames(step),
                            count: graph.nodes[step.output].shape.count, flops: graph.cost(of: node).flops)
        return try node.op.lowering.forward(self)(s)
    }
}

extension Op {
    var isConvolution: Bool {
        switch self {
        case .conv2d, .convTranspose2d: return true
        default: return false
        }
    }

    var isBatchNorm: Bool {
        if case .batchNorm = self { return true }
        return false
    }
}
