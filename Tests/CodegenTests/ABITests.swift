import Codegen
import ModelRuntime
import DSL
import XCTest

/// The entry points' contract on a tiny float32 model: call order, the tensor table, and
/// refolding the teacher when its parameters are touched.
final class ABITests: XCTestCase {
    func testEntryPointContract() throws {
        let graph = try TinyGraphs.residual()
        let a = try Codegen.compile(graph: graph, name: "abi", outDir: try generatedDirectory(self))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(a.library))
        XCTAssertEqual(model.modelName, "abi")
        XCTAssertEqual(model.realSize, 4)
        var rng = SplitMix(seed: 7)
        var weights: [String: HostTensor] = [:]
        for p in graph.parameters where p.kind != .batchCounter {
            let lo = p.kind == .runningVar ? 0.5 : -1.0
            weights[p.name] = HostTensor(shape: p.shape.dims, values: (0..<p.shape.count).map { _ in Float(rng.uniform(lo, 1)) })
        }
        XCTAssertEqual(try model.load(parameters: weights), [], "every parameter of this graph is read")
        let input = HostTensor(shape: [2, 3, 8, 6], values: (0..<288).map { _ in Float(rng.uniform(-1, 1)) })
        try model.setInput(input)

        // Table: PyTorch names; gradients and Adam state only for trainable parameters.
        XCTAssertEqual(try model.info(named: "bn.c1.weight").shape, [6, 4, 3, 3])
        XCTAssertTrue(try model.info(named: "bn.c1.weight").trainable)
        XCTAssertFalse(try model.info(named: "conv1.weight").trainable)
        XCTAssertEqual(try model.info(named: "bn.b1.running_var").kind, .buffer)
        XCTAssertEqual(try model.info(named: "adam_v.bn.proj.weight").kind, .adamV)
        XCTAssertThrowsError(try model.info(named: "grad.conv1.weight"))

        // backward needs a training forward right before it.
        XCTAssertThrowsError(try model.backward())
        try model.forwardEval()
        XCTAssertThrowsError(try model.backward())
        try model.forwardTrain()
        try model.backward()
        XCTAssertThrowsError(try model.backward(), "the activations were consumed")

        // Changing a teacher weight refolds: a fresh model with the changed weights agrees.
        var changed = weights
        changed["bn1.weight"] = HostTensor(shape: [4], values: [2, -1, 0.5, 3])
        try model.setTensor(named: "bn1.weight", changed["bn1.weight"]!)
        try model.forwardTrain()
        let fresh = try CompiledModel(libraryPath: a.library!)
        try fresh.load(parameters: changed)
        try fresh.setInput(input)
        try fresh.forwardTrain()
        XCTAssertEqual(try model.tensor(named: "t1"), try fresh.tensor(named: "t1"))
        XCTAssertNotEqual(try model.tensor(named: "t1"), try { try model.load(parameters: weights); try model.forwardTrain(); return try model.tensor(named: "t1") }())
    }
}
