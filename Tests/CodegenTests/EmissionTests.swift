import Codegen
import DSL
import Foundation
import RDGraphs
import XCTest

/// What the compiler writes: reproducible bytes, kernels named after graph nodes, a memory
/// plan that never lets two live buffers share bytes, and clear errors.
final class EmissionTests: XCTestCase {
    private func tinyResNet18() throws -> Graph {
        try Zoo.model("rd4ad_resnet18", widthDiv: 8, height: 64, width: 64, batch: 2).graph()
    }

    func testReemissionIsByteIdentical() throws {
        let dirs = [try generatedDirectory(self), try generatedDirectory(self)]
        let written = try dirs.map { dir in
            try Codegen.compile(graph: try tinyResNet18(), name: "r18", outDir: dir, options: .init(buildLibrary: false))
        }
        for file in ["r18.c", "r18.h", "manifest.json", "rdc_abi.h"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: written[0].directory).appendingPathComponent(file))
            let b = try Data(contentsOf: URL(fileURLWithPath: written[1].directory).appendingPathComponent(file))
            XCTAssertFalse(a.isEmpty, file)
            XCTAssertEqual(a, b, "\(file) differs between two compilations of the same graph")
        }
    }

    func testKernelsAreNamedAfterNodesAndParallel() throws {
        let a = try Codegen.compile(graph: try tinyResNet18(), name: "r18", outDir: try generatedDirectory(self),
                                    options: .init(buildLibrary: false))
        let source = try String(contentsOfFile: a.source, encoding: .utf8)
        for pattern in ["_decoder_layer2_0_conv1_fwd(", "_decoder_layer2_0_conv1_bwd_data(", "_decoder_layer2_0_conv1_bwd_weight(",
                        "_conv1_fold(", "_decoder_layer2_0_bn1_bwd(", "#pragma omp parallel for", "int32_t rdc_backward(rdc_ctx *ctx)"] {
            XCTAssertTrue(source.contains(pattern), "the C lacks \(pattern)")
        }
        // The teacher gets no backward, the OCBE's first conv no data gradient (its input is the teacher's).
        XCTAssertNil(source.range(of: #"k\d+_layer1_0_conv1_bwd"#, options: .regularExpression), "a teacher kernel was differentiated")
        XCTAssertFalse(source.contains("_bn_conv1_bwd_data("), "a gradient flows into the teacher")
        let manifest = try json(a.manifest)
        XCTAssertEqual((manifest["kernels"] as? [Any])?.count, a.kernelCount)
        XCTAssertGreaterThan(a.flops.backward, a.flops.forwardTrain / 2)
    }

    func testMemoryPlanKeepsLiveBuffersApart() throws {
        let graph = try Zoo.model("rd4ad_lite0", height: 64, width: 96, batch: 2).graph()
        let a = try Codegen.compile(graph: graph, name: "lite0", outDir: try generatedDirectory(self), options: .init(buildLibrary: false))
        let plans = try XCTUnwrap(try json(a.manifest)["plans"] as? [[String: Any]])
        XCTAssertEqual(plans.count, 2)
        for plan in plans {
            let buffers = try XCTUnwrap(plan["buffers"] as? [[String: Any]])
            let arena = try XCTUnwrap(plan["arena_bytes"] as? Int), total = try XCTUnwrap(plan["buffer_bytes"] as? Int)
            XCTAssertLessThanOrEqual(arena, a.arenaBytes)
            XCTAssertLessThan(arena, total, "sharing saved nothing")
            let spans = buffers.map { b in
                (name: b["name"] as! String, bytes: (b["offset"] as! Int)..<((b["offset"] as! Int) + (b["bytes"] as! Int)),
                 life: (b["first_kernel"] as! Int)...(b["last_kernel"] as! Int))
            }
            for (i, x) in spans.enumerated() {
                XCTAssertLessThanOrEqual(x.bytes.upperBound, arena, x.name)
                for y in spans[(i + 1)...] where x.life.overlaps(y.life) {
                    XCTAssertFalse(x.bytes.overlaps(y.bytes), "\(x.name) and \(y.name) are live together but share bytes")
                }
            }
        }
        XCTAssertTrue(a.memoryPlan.contains("arena"), a.memoryPlan)
    }

    func testShapeCheckNamesTheBadNode() throws {
        var graph = try tinyResNet18()
        let i = try XCTUnwrap(graph.nodes.firstIndex { $0.name == "decoder.layer2.0.conv2" })
        graph.nodes[i].shape = Shape(2, 16, 15, 16)
        XCTAssertThrowsError(try Codegen.compile(graph: graph, name: "bad", outDir: try generatedDirectory(self),
                                                 options: .init(buildLibrary: false))) { error in
            XCTAssertTrue("\(error)".contains("decoder.layer2.0.conv2"), "\(error)")
        }
    }

    func testLossThroughAnOpWithoutDerivativeIsRefused() throws {
        let graph = try tinyResNet18()
        XCTAssertThrowsError(try Codegen.compile(graph: graph, name: "bad", outDir: try generatedDirectory(self),
                                                 options: .init(loss: "nonexistent", buildLibrary: false))) { error in
            XCTAssertTrue("\(error)".contains("no output 'nonexistent'"), "\(error)")
        }
        // A scalar reached only through the Gaussian: the image scores' maximum, averaged.
        let g = GraphContext()
        let x = g.inRole(.input) { g.input(Shape(1, 2, 4, 4), suffix: "input") }
        try g.name(x, as: "input")
        let s = try g.inRole(.decoder) { try TinyGraphs.apply(Conv("c", 2, 3), x, g) }
        try g.inRole(.head) {
            let map = try g.node(.cosineDistance(eps: 1e-8), [x, s], suffix: "map")
            let blur = try g.node(.gaussianBlur(sigma: 1, truncate: 2), [map], suffix: "blur")
            try g.name(g.node(.mean, [blur], suffix: "mean"), as: "loss_flat")
        }
        XCTAssertThrowsError(try Codegen.compile(graph: g.graph(name: "blurred"), name: "blurred", outDir: try generatedDirectory(self),
                                                 options: .init(buildLibrary: false))) { error in
            XCTAssertTrue("\(error)".contains("gaussian"), "\(error)")
        }
    }

    private func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }
}
