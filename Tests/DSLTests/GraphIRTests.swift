import DSL
import RDGraphs
import XCTest

final class GraphIRTests: XCTestCase {
    func testJSONRoundTripIsExactAndDeterministic() throws {
        let g = try Zoo.model("rd4ad_lite0", height: 64, width: 96, batch: 3).graph()
        let data = try g.jsonData()
        XCTAssertEqual(try Graph(json: data), g)
        XCTAssertEqual(try Zoo.model("rd4ad_lite0", height: 64, width: 96, batch: 3).graph().jsonData(), data)
    }

    func testNodesAreTopologicalAndNamedUniquely() throws {
        for name in Zoo.names {
            let g = try Zoo.model(name, height: 64, width: 64, batch: 1).graph()
            XCTAssertEqual(Set(g.nodes.map(\.name)).count, g.nodes.count, name)
            for node in g.nodes { XCTAssertTrue(node.inputs.allSatisfy { $0 < node.id }, node.name) }
        }
    }

    /// The FLOPs of the forward pass per image at 256x256 agree with the published figures
    /// (ResNet18 teacher up to layer3: 3.66 GFLOPs, WRN50: 24.0, Lite0: 0.64).
    func testTeacherFlops() throws {
        func teacherGFlops(_ name: String) throws -> Double {
            let g = try Zoo.model(name, batch: 1).graph()
            return Double(g.nodes.filter { $0.role == .teacher && $0.op.kind.contains("conv") }
                .map { g.cost(of: $0).flops }.reduce(0, +)) / 1e9
        }
        XCTAssertEqual(try teacherGFlops("rd4ad_resnet18"), 3.66, accuracy: 0.01)
        XCTAssertEqual(try teacherGFlops("rd4ad_wrn50"), 24.0, accuracy: 0.1)
        XCTAssertEqual(try teacherGFlops("rd4ad_lite0"), 0.64, accuracy: 0.01)
    }

    func testDescribeTableHasTotalsPerRole() throws {
        let table = try Zoo.model("rd4ad_resnet18", batch: 1).graph().describeTable()
        XCTAssertTrue(table.contains("decoder.layer1.0.conv1"))
        for role in ["teacher", "ocbe", "decoder"] { XCTAssertTrue(table.contains("\n\(role) "), role) }
    }
}
