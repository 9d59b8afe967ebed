import DSL
import RDGraphs
import XCTest

final class ShapeInferenceTests: XCTestCase {
    func testResNet18TapAndDecoderShapes() throws {
        let g = try Zoo.model("rd4ad_resnet18", height: 256, width: 256, batch: 2).graph()
        XCTAssertEqual(g.output("t1")?.shape, Shape(2, 64, 64, 64))
        XCTAssertEqual(g.output("t2")?.shape, Shape(2, 128, 32, 32))
        XCTAssertEqual(g.output("t3")?.shape, Shape(2, 256, 16, 16))
        XCTAssertEqual(g.output("ocbe")?.shape, Shape(2, 512, 8, 8))
        XCTAssertEqual(g.output("s1")?.shape, Shape(2, 64, 64, 64))
        XCTAssertEqual(g.output("s3")?.shape, Shape(2, 256, 16, 16))
        XCTAssertEqual(g.output("amap_smooth")?.shape, Shape(2, 256, 256))
        XCTAssertEqual(g.output("loss_flat")?.shape, Shape([]))
    }

    func testNonSquareLite0UsesAsymmetricSamePadding() throws {
        let g = try Zoo.model("rd4ad_lite0", height: 128, width: 96, batch: 2).graph()
        XCTAssertEqual(g.output("t1")?.shape, Shape(2, 24, 32, 24))
        XCTAssertEqual(g.output("t3")?.shape, Shape(2, 112, 8, 6))
        XCTAssertEqual(g.output("ocbe")?.shape, Shape(2, 224, 4, 3))
        let stem = try XCTUnwrap(g.nodes.first { $0.name == "_conv_stem" })
        guard case .conv2d(let a) = stem.op else { return XCTFail("stem is \(stem.op.kind)") }
        // TF SAME, stride 2, k3 on an even size pads (0 before, 1 after).
        XCTAssertEqual(a.padding, Padding2D(top: 0, left: 0, bottom: 1, right: 1))
        let dw5 = try XCTUnwrap(g.nodes.first { $0.name == "_blocks.3._depthwise_conv" })
        guard case .conv2d(let b) = dw5.op else { return XCTFail() }
        XCTAssertEqual(b.padding, Padding2D(top: 1, left: 1, bottom: 2, right: 2))
        XCTAssertEqual(b.groups, b.inChannels)
    }

    func testWidthDivKeepsNamesAndDividesChannels() throws {
        let full = try Zoo.model("rd4ad_resnet18", height: 64, width: 64, batch: 2).graph()
        let small = try Zoo.model("rd4ad_resnet18", widthDiv: 8, height: 64, width: 64, batch: 2).graph()
        XCTAssertEqual(full.parameters.map(\.name), small.parameters.map(\.name))
        XCTAssertEqual(small.parameter("bn.conv4.weight")?.shape, Shape(64, 128, 1, 1))
        XCTAssertEqual(small.parameter("bn.conv4.weight")?.used, false)
        XCTAssertEqual(small.parameter("decoder.layer1.0.upsample.0.weight")?.shape, Shape(64, 32, 2, 2))
    }

    func testImageSizeMustBeMultipleOf32() {
        XCTAssertThrowsError(try Zoo.model("rd4ad_resnet18").graph(batch: 1, height: 100, width: 64)) { error in
            XCTAssertTrue("\(error)".contains("100x64"), "\(error)")
        }
    }

    func testUnknownModelNamesTheZoo() {
        XCTAssertThrowsError(try Zoo.model("vgg16")) { error in
            XCTAssertTrue("\(error)".contains("vgg16") && "\(error)".contains("rd4ad_lite0"), "\(error)")
        }
    }
}
