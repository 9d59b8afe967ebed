import ModelRuntime

/// What the compiler lowers a graph to before any C is written: buffers, kernels, and the
/// kernel sequences of each entry point. Everything here is built from arrays in graph
/// order, so the emitted text is the same on every run.
struct Program {
    var name: String
    var precision: Precision
    var buffers: [Buffer] = []
    var kernels: [Kernel] = []
    var phases = Phases()
    /// Trainable parameters with a gradient lie in one run of the state, followed by runs of
    /// the same layout for their gradients and Adam moments: one loop updates them all.
    var adamRegion = AdamRegion()
    /// The fold and teacher phases compute in float64 within this float32 program: their
    /// kernels form a unit of their own in NAME.c (WideTeacher.swift).
    var teacherUnit = false

    /// The parameters are buffers firstBuffer..<firstBuffer+parameterCount; the gradient
    /// and moment runs follow in that order.
    struct AdamRegion {
        var firstBuffer = 0
        var parameterCount = 0
    }

    /// Kernel indices in execution order, per part of the model.
    struct Phases {
        var fold: [Int] = []
        var teacher: [Int] = []
        var studentTrain: [Int] = []
        var studentEval: [Int] = []
        var lossHeads: [Int] = []
        var mapHeads: [Int] = []
        var backward: [Int] = []
    }

    func bytes(of buffer: Int) -> Int { buffers[buffer].bytes(precision) }
}

public enum Precision: String, Codable, Sendable {
    case float32, float64
    var cType: String { self == .float32 ? "float" : "double" }
    var size: Int { self == .float32 ? 4 : 8 }
}

/// Where a buffer lives. `state` persists for the context's lifetime (parameters, running
/// statistics, gradients, Adam moments, named outputs, folded weights); `arena` is scratch
/// whose bytes are shared by buffers that are never live at once (see MemoryPlan).
enum Placement: String, Codable {
    case state, arena
}

struct Buffer {
    var name: String
    var shape: [Int]
    var placement: Placement
    /// Scratch accumulated in double regardless of the model's precision (the Gaussian's
    /// intermediate pass, as scipy computes in float64).
    var isDouble = false
    /// Listed in the ABI tensor table, under `name` and then each of `aliases`.
    var exposed: TensorKind?
    var aliases: [String] = []
    var trainable = false
    /// A frozen parameter that a folded weight is computed from.
    var foldInput = false

    var count: Int { shape.reduce(1, *) }
    func bytes(_ p: Precision) -> Int { count * (isDouble ? 8 : p.size) }
}

/// One C function: its arguments are buffers; each call site passes where that buffer
/// lies in the entry point's memory plan.
struct Kernel {
    var name: String
    /// The graph node it is named after, and what it does for it (`fwd`, `bwd_data`, ...).
    var node: Int
    var suffix: String
    /// Comment lines above the function: the graph node, op, shapes, FLOPs.
    var summary: [String]
    var args: [Arg]
    /// The function body (sizes as constants, loops), indented by four spaces.
    var body: String
    /// Whether it takes the context's reducer after its arguments (a training BatchNorm).
    var usesReducer: Bool
    var flops: Int
    /// What the per-kernel profile files it under (KernelFamily).
    var family: String
    /// Work the kernel times apart, under a profile row of its own (a depthwise chain's
    /// depthwise convolution): the kernel's row then holds the rest of its time and FLOPs.
    var part: Part?

    struct Part {
        var name: String
        var family: String
        var flops: Int
    }

    struct Arg {
        var name: String
        var buffer: Int
        var writes: Bool
    }
}
