import Codegen
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

/// Parameters, buffers and the input, uniform from a seed: BatchNorm's gamma and running
/// variances positive.
func seedValues(_ model: CompiledModel, seed: UInt64) throws {
    var rng = SplitMix(seed: seed)
    for info in model.tensors where [.parameter, .buffer, .input].contains(info.kind) {
        let (lo, hi): (Double, Double)
        if info.name.hasSuffix("running_var") { (lo, hi) = (0.5, 2) }
        else if info.kind == .parameter && info.shape.count == 1 && info.name.hasSuffix(".weight") { (lo, hi) = (0.5, 4) }  // BN gamma: ReLU6 clamps at 6 too
        else { (lo, hi) = (-1, 1) }
        try model.setDoubles(named: info.name, (0..<info.count).map { _ in rng.uniform(lo, hi) })
    }
}
