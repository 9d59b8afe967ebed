import DSL
import Reference
import XCTest

final class TinyRD4ADTests: XCTestCase {
    private func check(_ result: ReferenceResult, against expected: [TinyRD4ADOracle.Expected]) {
        for e in expected {
            guard let value = result.output(e.name) else { XCTFail("no output \(e.name)"); continue }
            XCTAssertEqual(value.shape, e.shape, e.name)
            let picked = stride(from: 0, to: value.count, by: e.stride).map { value.values[$0] }
            // The oracle is float64 throughout; the executor stores float32 between ops.
            assertClose(HostTensor(shape: [picked.count], values: picked), shape: [e.values.count], e.values,
                        tolerance: 1e-4, e.name)
        }
    }

    func testEvalForwardMatchesNumpy() throws {
        let graph = try TinyRD4AD.model.graph()
        let result = try ReferenceExecutor(graph: graph, parameters: TinyRD4AD.parameters(of: graph))
            .run(input: TinyRD4AD.input, studentBatchNorm: .eval)
        check(result, against: TinyRD4ADOracle.eval)
        XCTAssertTrue(result.updatedParameters.isEmpty)
    }

    func testTrainForwardMatchesNumpy() throws {
        let graph = try TinyRD4AD.model.graph()
        let result = try ReferenceExecutor(graph: graph, parameters: TinyRD4AD.parameters(of: graph))
            .run(input: TinyRD4AD.input, studentBatchNorm: .train)
        check(result, against: TinyRD4ADOracle.train)
        XCTAssertEqual(Set(result.updatedParameters.keys), Set(TinyRD4ADOracle.updated.keys))
        for (name, values) in TinyRD4ADOracle.updated {
            assertClose(result.updatedParameters[name], shape: [values.count], values, tolerance: 1e-5, name)
        }
    }

    func testKeepingOnlyOutputsGivesTheSameOutputs() throws {
        let graph = try TinyRD4AD.model.graph()
        let executor = try ReferenceExecutor(graph: graph, parameters: TinyRD4AD.parameters(of: graph))
        let all = try executor.run(input: TinyRD4AD.input, studentBatchNorm: .train)
        let lean = try executor.run(input: TinyRD4AD.input, studentBatchNorm: .train, retain: .outputs)
        XCTAssertEqual(lean.outputs, all.outputs)
        XCTAssertEqual(lean.outputs.count, graph.outputs.count)
        XCTAssertNil(lean.value(ofNode: "conv1"))
        XCTAssertNotNil(all.value(ofNode: "conv1"))
        XCTAssertEqual(lean.updatedParameters, all.updatedParameters)
    }
}

final class ValidationTests: XCTestCase {
    private func convBN() throws -> Graph {
        try graph(input: [1, 2, 4, 4]) { g, x in
            try Chain { Conv("conv", 3, 3, bias: true); BatchNorm("bn") }.build([x], in: g)[0]
        }
    }

    private func goodParameters() -> [String: HostTensor] {
        ["conv.weight": HostTensor(zeros: [3, 2, 3, 3]), "conv.bias": HostTensor(zeros: [3]),
         "bn.weight": HostTensor(zeros: [3]), "bn.bias": HostTensor(zeros: [3]),
         "bn.running_mean": HostTensor(zeros: [3]), "bn.running_var": HostTensor(zeros: [3])]
    }

    func testAcceptsCompleteParametersAndIgnoresExtras() throws {
        var p = goodParameters()
        p["bn.num_batches_tracked"] = HostTensor(zeros: [])
        p["layer4.0.conv1.weight"] = HostTensor(zeros: [7])
        XCTAssertNoThrow(try ReferenceExecutor(graph: convBN(), parameters: p))
        var stored = p.mapValues { StoredTensor.float($0) }
        stored["bn.num_batches_tracked"] = .int64(shape: [], values: [3])
        XCTAssertNoThrow(try ReferenceExecutor(graph: convBN(), stateDict: stored))
        stored["bn.running_mean"] = .int64(shape: [3], values: [0, 0, 0])
        XCTAssertThrowsError(try ReferenceExecutor(graph: convBN(), stateDict: stored))
    }

    func testReportsEveryMissingOrMisshapenParameter() throws {
        var p = goodParameters()
        p["conv.weight"] = nil
        p["bn.running_var"] = HostTensor(zeros: [4])
        p["bn.bias"] = nil
        XCTAssertThrowsError(try ReferenceExecutor(graph: convBN(), parameters: p)) { error in
            let e = error as! ReferenceError
            XCTAssertEqual(e.problems.count, 3, "\(e)")
            let text = e.description
            for key in ["conv.weight", "bn.running_var", "bn.bias", "[3,2,3,3]", "[4]"] {
                XCTAssert(text.contains(key), "'\(key)' not in \(text)")
            }
        }
    }

    func testRejectsInconsistentNodeShapes() throws {
        // A graph read from a file may declare any shape: the executor checks it against the op.
        var g = try graph(input: [1, 2, 4, 4]) { g, x in try g.node(.activation(.relu), [x]) }
        g.nodes[1].shape = Shape(1, 2, 4, 5)
        XCTAssertThrowsError(try ReferenceExecutor(graph: g, parameters: [:])) { error in
            XCTAssert("\(error)".contains("[1,2,4,5]"), "\(error)")
        }
        var c = try graph(inputs: [[1, 2, 4, 4], [1, 2, 4, 4]]) { g, xs in
            try g.node(.cosineDistance(eps: 1e-8), xs)
        }
        c.nodes[1].shape = Shape(1, 3, 4, 4)
        XCTAssertThrowsError(try ReferenceExecutor(graph: c, parameters: [:])) { error in
            XCTAssert("\(error)".contains("compares [1,2,4,4] with [1,3,4,4]"), "\(error)")
        }
        // The DSL's builder does not make such a node in the first place.
        XCTAssertThrowsError(try graph(inputs: [[1, 2, 4, 4], [1, 3, 4, 4]]) { g, xs in
            try g.node(.cosineDistance(eps: 1e-8), xs)
        }) { error in
            XCTAssert("\(error)".contains("cosdist compares [1,2,4,4] with [1,3,4,4]"), "\(error)")
        }
    }

    func testRejectsWrongInputs() throws {
        let executor = try ReferenceExecutor(graph: convBN(), parameters: goodParameters())
        XCTAssertThrowsError(try executor.run(input: HostTensor(zeros: [2, 2, 4, 4]))) { error in
            XCTAssert("\(error)".contains("[2,2,4,4]"), "\(error)")
        }
        XCTAssertThrowsError(try executor.run(inputs: ["image": HostTensor(zeros: [1, 2, 4, 4])]))
        XCTAssertNoThrow(try executor.run(inputs: ["x": HostTensor(zeros: [1, 2, 4, 4])]))
        let two = try graph(inputs: [[1], [1]]) { g, xs in try g.node(.add, xs) }
        XCTAssertThrowsError(try ReferenceExecutor(graph: two, parameters: [:]).run(input: HostTensor(zeros: [1])))
    }

    func testResultLookups() throws {
        var p = goodParameters()
        p["conv.bias"] = HostTensor(shape: [3], values: [1, 2, 3])
        p["bn.weight"] = HostTensor(shape: [3], values: [1, 1, 1])
        p["bn.running_var"] = HostTensor(shape: [3], values: [1, 1, 1])
        let r = try ReferenceExecutor(graph: convBN(), parameters: p).run(input: HostTensor(zeros: [1, 2, 4, 4]))
        // Zero weights: the conv gives its bias everywhere; BN (eval) divides by sqrt(1 + eps).
        XCTAssertEqual(r.value(ofNode: "conv")?.values.first, 1)
        XCTAssertEqual(r.values.count, 3)
        assertClose(r.output("y"), shape: [1, 3, 4, 4],
                    [1.0, 2, 3].flatMap { Array(repeating: $0 / (1 + 1e-5).squareRoot(), count: 16) })
        XCTAssertNil(r.output("nothing"))
    }
}
