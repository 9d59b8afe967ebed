import Codegen
import ModelRuntime
import DSL
import XCTest

/// The chained kernels (DepthwiseChainKernels) compute every element by the same sums in the
/// same order as the separate kernels: the teacher's features agree bit for bit, for a batch
/// as wide as the threads and for one image split into row segments; in a float32 teacher
/// (whose bands these tests name) and in the default float64 one.
final class DepthwiseChainTests: XCTestCase {
    func testChainsEqualSeparateKernels() throws {
        for batch in [1, 3] {
            let graph = try TinyGraphs.depthwiseChains(batch: batch)
            let (chained, source) = try teacherFeatures(graph, chains: true)
            XCTAssertEqual(source.components(separatedBy: "_fwd_chain(").count - 1, 3 * 3, "three chain kernels, each defined and called by two forwards")
            XCTAssertTrue(source.contains("in bands of 4 output rows") && source.contains("in bands of 12 output rows"))
            try assertEqualInFloat64(graph)
            let (separate, plain) = try teacherFeatures(graph, chains: false)
            XCTAssertFalse(plain.contains("_fwd_chain("))
            XCTAssertEqual(chained.count, batch * 16 * 33 * 35)
            XCTAssertEqual(zip(chained, separate).filter { $0 != $1 }.count, 0, "batch \(batch): features where chained and separate kernels differ")
            XCTAssertGreaterThan(chained.filter { $0 > 0 }.count, chained.count / 10, "features mostly clamped to zero")
        }
    }

    /// A stem as the expansion: its windows packed from the image a band at a time. At batch
    /// 16 the output is 4 MB and the projection streams it (DepthwiseChainKernels.streams).
    func testStemChainEqualsSeparateKernels() throws {
        for batch in [1, 3, 16] {
            let graph = try TinyGraphs.depthwiseChainStem(batch: batch)
            let (chained, source) = try teacherFeatures(graph, chains: true)
            XCTAssertEqual(source.components(separatedBy: "_fwd_chain(").count - 1, 3, "one chain kernel, defined and called by two forwards")
            XCTAssertTrue(source.contains("rdc_windows(&win, 0);\n") && source.contains(" * stem: conv2d 3x3 s2"))
            XCTAssertEqual(source.contains("ep_project = {.shift = b_project, .stream = 1};"), batch == 16, "batch \(batch): streamed output")
            let (separate, _) = try teacherFeatures(graph, chains: false)
            try assertEqualInFloat64(graph)
            XCTAssertEqual(chained.count, batch * 16 * 65 * 64)
            XCTAssertEqual(zip(chained, separate).filter { $0 != $1 }.count, 0, "batch \(batch): features where chained and separate kernels differ")
            XCTAssertGreaterThan(Set(chained).count, chained.count / 10, "features mostly equal")
        }
    }

    /// The float64 teacher's chains (in bands of their own) against its separate kernels.
    private func assertEqualInFloat64(_ graph: Graph, file: StaticString = #filePath, line: UInt = #line) throws {
        let (chained, source) = try teacherFeatures(graph, chains: true, teacher: .float64)
        XCTAssertTrue(source.contains("_fwd_chain("), "no chain in the float64 teacher", file: file, line: line)
        let (separate, _) = try teacherFeatures(graph, chains: false, teacher: .float64)
        XCTAssertEqual(zip(chained, separate).filter { $0 != $1 }.count, 0, "float64 teacher: chained and separate kernels differ",
                       file: file, line: line)
    }

    /// t1 after an eval forward from seeded values (float32 features; the teacher computing in
    /// `teacher`), and the generated C.
    private func teacherFeatures(_ graph: Graph, chains: Bool, teacher: Precision = .float32) throws -> ([Double], String) {
        let name = graph.name + (chains ? "_chains" : "_apart") + (teacher == .float64 ? "_f64" : "")
        let artifacts = try Codegen.compile(graph: graph, name: name, outDir: try generatedDirectory(self),
                                            options: .init(teacherPrecision: teacher, depthwiseChains: chains))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(artifacts.library))
        try seedValues(model, seed: 11)
        try model.forwardEval()
        return (try model.doubles(named: "t1"), try String(contentsOfFile: artifacts.source, encoding: .utf8))
    }
}
