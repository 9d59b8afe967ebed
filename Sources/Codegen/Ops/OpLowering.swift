import DSL

/// Where an op's kernels come from: its family's forward and backward lowering, side by side
/// in one file of Ops/ (as llm.c keeps each layer's forward and backward together). The one
/// table from op to lowering; adding an op adds a file and a line here.
struct OpLowering {
    /// The kernel computing one forward step's value.
    let forward: (ProgramBuilder) -> (ForwardStep) throws -> Int
    /// The kernels writing the gradients of a step's inputs and parameters, given its output's.
    let backward: (ProgramBuilder) -> (BackwardStep, inout Gradients) throws -> [Int]
}

extension Op {
    var lowering: OpLowering {
        switch self {
        case .input: return OpLowering(forward: ProgramBuilder.inputForward, backward: ProgramBuilder.noBackward)
        case .conv2d, .convTranspose2d: return OpLowering(forward: ProgramBuilder.convForward, backward: ProgramBuilder.convBackward)
        case .batchNorm: return OpLowering(forward: ProgramBuilder.batchNormForward, backward: ProgramBuilder.batchNormBackward)
        case .activation: return OpLowering(forward: ProgramBuilder.activationForward, backward: ProgramBuilder.activationBackward)
        case .add: return OpLowering(forward: ProgramBuilder.addForward, backward: ProgramBuilder.addBackward)
        case .concat: return OpLowering(forward: ProgramBuilder.concatForward, backward: ProgramBuilder.concatBackward)
        case .maxPool2d: return OpLowering(forward: ProgramBuilder.maxPoolForward, backward: ProgramBuilder.maxPoolBackward)
        case .cosineDistance, .cosineDistanceFlat:
            return OpLowering(forward: ProgramBuilder.cosineForward, backward: ProgramBuilder.cosineBackward)
        case .mean: return OpLowering(forward: ProgramBuilder.meanForward, backward: ProgramBuilder.meanBackward)
        case .upsampleBilinear: return OpLowering(forward: ProgramBuilder.upsampleForward, backward: ProgramBuilder.noBackward)
        case .gaussianBlur: return OpLowering(forward: ProgramBuilder.gaussianForward, backward: ProgramBuilder.noBackward)
        case .maxPerSample: return OpLowering(forward: ProgramBuilder.maxPerSampleForward, backward: ProgramBuilder.noBackward)
        }
    }
}

/// One forward step as its lowering sees it.
struct ForwardStep {
    let step: Step
    /// The step's main node (a convolution, a BatchNorm, ...).
    let node: Node
    /// Buffers of the node's inputs, and of the step's output (its fused activation's, if any).
    let x: [Int]
    let y: Int
    /// The activation fused into the step.
    let act: Activation?
    let training: Bool
    /// "fwd", or "fwd_eval" where the trainable part's eval-mode kernel differs from its training one.
    let suffix: String
    /// " + batchnorm + relu"-style names of what the step fuses.
    let fused: String
    /// Elements of the output.
    let count: Int
    /// The op's own FLOPs (DSL OpContract), where the kernel computes just the op.
    let flops: Int
}

/// One backward step as its lowering sees it.
struct BackwardStep {
    let step: Step
    let node: Node
    /// The gradient of the step's output.
    let dy: Int
    /// The activation fused into the step (its forward output is `step.output`).
    let act: Activation?
    /// Which of the node's inputs need a gradient.
    let needs: [Bool]
    /// The error for a step this lowering cannot differentiate.
    let unsupported: (String) -> CodegenError
}

/// The backward's running state: each node's gradient buffer so far (nil: none yet) and
/// what BackwardState tracks.
struct Gradients {
    var buffers: [Int?]
    var state: ProgramBuilder.BackwardState
}

extension ProgramBuilder {
    func inputForward(_ s: ForwardStep) throws -> Int {
        throw CodegenError("input node '\(s.node.name)' outside the input phase")
    }

    func noBackward(_ s: BackwardStep, _ g: inout Gradients) throws -> [Int] {
        throw s.unsupported("rdc has no derivative for this op")
    }
}
