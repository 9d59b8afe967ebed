import Codegen
import ModelRuntime
import DSL
import Foundation
import XCTest

/// A fresh folder for generated models, removed after the test. Each test compiles under
/// its own folder: dlopen() keeps one copy of a library per path.
func generatedDirectory(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("CodegenTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

/// max |a - b| and max |b|.
func deviation(_ a: [Double], _ b: [Double]) -> (diff: Double, scale: Double) {
    precondition(a.count == b.count, "compared tensors differ in size: \(a.count) vs \(b.count)")
    var d = 0.0, m = 0.0
    for (x, y) in zip(a, b) {
        d = x.isNaN ? .infinity : max(d, abs(x - y))
        m = max(m, abs(y))
    }
    return (d, m)
}

/// Deterministic pseudo-random numbers (splitmix64), so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
}

/// Parameters, buffers and the input, uniform from a seed within `ranges` of each tensor.
func seedValues(_ model: CompiledModel, seed: UInt64,
                ranges: (CompiledModel.TensorInfo) -> (Double, Double) = tinyGraphRanges) throws {
    var rng = SplitMix(seed: seed)
    for info in model.tensors where [.parameter, .buffer, .input].contains(info.kind) {
        let (lo, hi) = ranges(info)
        try model.setDoubles(named: info.name, (0..<info.count).map { _ in rng.uniform(lo, hi) })
    }
}

/// For the tiny graphs: BatchNorm's gamma and running variances positive, the rest in [-1, 1].
func tinyGraphRanges(_ info: CompiledModel.TensorInfo) -> (Double, Double) {
    if info.name.hasSuffix("running_var") { return (0.5, 2) }
    if info.kind == .parameter && info.shape.count == 1 && info.name.hasSuffix(".weight") { return (0.5, 4) }  // BN gamma: ReLU6 clamps at 6 too
    return (-1, 1)
}

/// For whole networks, as PyTorch initializes them: convolutions uniform within
/// sqrt(6 / fan-in), BatchNorm scales near 1 and shifts near 0, running statistics near
/// (0, 1), the input in [-2, 2].
func initializationRanges(_ info: CompiledModel.TensorInfo) -> (Double, Double) {
    if info.kind == .input { return (-2, 2) }
    if info.shape.count == 4 {
        let bound = (6.0 / Double(info.shape[1] * info.shape[2] * info.shape[3])).squareRoot()
        return (-bound, bound)
    }
    if info.name.hasSuffix("running_var") { return (0.5, 2) }
    if info.name.hasSuffix(".weight") { return (0.5, 1.5) }
    return (-0.2, 0.2)
}
