import DSL
import Reference
import XCTest

// The oracles in these tests are hand-computed or were computed once with numpy/scipy
// (float64) from the same deterministic inputs; the tests never run Python. Inputs are
// exact binary fractions so both sides start from identical values:
//
//     def ramp(shape, a=37, m=23, off=11, d=8):          # Python side
//         i = np.arange(np.prod(shape)); return (((i*a) % m - off) / d).reshape(shape)

/// Element i of a tensor of `shape` is ((i*a) % m - off) / d: exact in float32.
func ramp(_ shape: [Int], a: Int = 37, m: Int = 23, off: Int = 11, d: Double = 8) -> HostTensor {
    let n = shape.reduce(1, *)
    return HostTensor(shape: shape, values: (0..<n).map { (i: Int) -> Float in Float(Double((i * a) % m - off) / d) })
}

/// Weights in the numpy oracles: ramp(shape, 53, 19, 9, 16).
func weightRamp(_ shape: [Int]) -> HostTensor { ramp(shape, a: 53, m: 19, off: 9, d: 16) }

/// Element i is ((7*i*i + 3*i) % 29 - 14) / 8: less regular than `ramp` (no symmetry a
/// Gaussian could hide behind).
func quadRamp(_ shape: [Int]) -> HostTensor {
    let n = shape.reduce(1, *)
    return HostTensor(shape: shape, values: (0..<n).map { (i: Int) -> Float in
        let k: Int = (7 * i * i + 3 * i) % 29 - 14
        return Float(Double(k) / 8)
    })
}

/// max|actual - expected| <= tolerance * max(1, max|expected|), shapes equal.
func assertClose(_ actual: HostTensor?, shape: [Int], _ expected: [Double], tolerance: Double = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    guard let actual else { return XCTFail("no value \(message)", file: file, line: line) }
    XCTAssertEqual(actual.shape, shape, "shape \(message)", file: file, line: line)
    XCTAssertEqual(actual.count, expected.count, "count \(message)", file: file, line: line)
    guard actual.count == expected.count else { return }
    let scale = max(1, expected.map(abs).max() ?? 0)
    var worst = 0.0, at = 0
    for (i, (a, e)) in zip(actual.values, expected).enumerated() {
        let d = abs(Double(a) - e)
        if !(d <= worst) { worst = d; at = i }
    }
    XCTAssert(worst <= tolerance * scale,
              "max error \(worst) at \(at): got \(actual.values[at]), expected \(expected[at]) \(message)",
              file: file, line: line)
}

/// A graph with one input node `x` of `shape`; `body` adds nodes (in `role`) and returns
/// the tensor named as output `y`.
func graph(input shape: [Int], role: Role = .decoder,
           _ body: (GraphContext, TensorRef) throws -> TensorRef) throws -> Graph {
    try graph(inputs: [shape], role: role) { g, xs in try body(g, xs[0]) }
}

/// Like `graph(input:)` with several input nodes, named `x0`, `x1`, ...
func graph(inputs shapes: [[Int]], role: Role = .decoder,
           _ body: (GraphContext, [TensorRef]) throws -> TensorRef) throws -> Graph {
    let g = GraphContext()
    let xs = shapes.enumerated().map { i, s in
        g.inRole(.input) { g.input(Shape(s), suffix: shapes.count == 1 ? "x" : "x\(i)") }
    }
    let y = try g.inRole(role) { try body(g, xs) }
    try g.name(y, as: "y")
    return g.graph(name: "test")
}

/// Runs `graph` on `input` with `parameters` and returns output `y`.
func runY(_ graph: Graph, _ input: HostTensor, _ parameters: [String: HostTensor] = [:],
          mode: ReferenceExecutor.BatchNormMode = .eval) throws -> HostTensor? {
    try ReferenceExecutor(graph: graph, parameters: parameters).run(input: input, studentBatchNorm: mode).output("y")
}

/// One-layer convenience: builds `layer` on an input of `shape`.
func layerGraph(_ layer: any UnaryLayer, input shape: [Int], role: Role = .decoder) throws -> Graph {
    try graph(input: shape, role: role) { g, x in try layer.build([x], in: g)[0] }
}

func tensor(_ shape: [Int], _ values: [Float]) -> HostTensor { HostTensor(shape: shape, values: values) }
