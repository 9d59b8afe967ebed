import DSL
import RDGraphs
import XCTest

/// Sizes that come from the command line or a model file end in an error naming the layer or
/// the tensor and what is allowed, never in a division by zero or an arithmetic overflow.
final class SizeLimitTests: XCTestCase {
    func tinyModel(ocbeChannels: Int, decoderChannels: Int = 8) -> RD4AD {
        RD4AD("tiny", height: 32, width: 32, batch: 1) {
            Teacher(outputs: ["t1"]) { Conv("conv1", 8, 3); Tap("t1") }
        } ocbe: {
            OCBE { Conv("conv1", ocbeChannels, 3) }
        } decoder: {
            Decoder(outputs: ["s1"]) { ConvTranspose("up", decoderChannels, 1, stride: 1); Conv("conv1", 8, 3); Tap("s1") }
        }
    }

    func testZeroChannelsNameTheLayer() {
        XCTAssertThrowsError(try tinyModel(ocbeChannels: 0).graph()) { error in
            XCTAssertEqual("\(error)", "bn.conv1: conv2d: 8 -> 0 channels; channel counts must be positive")
        }
        XCTAssertThrowsError(try tinyModel(ocbeChannels: 8, decoderChannels: 0).graph()) { error in
            XCTAssertEqual("\(error)", "decoder.up: convT2d: 8 -> 0 channels; channel counts must be positive")
        }
    }

    func testZeroPlanesOrEmbeddingInTheZooBuildersNameTheLayer() {
        let zeroPlanes = RD4AD("zero", height: 64, width: 64, batch: 1) {
            ResNetTeacher(ResNetSpec.resnet18.dividingWidth(by: 8))
        } ocbe: {
            OneClassEmbedding(taps: [8, 16, 32], block: .basic, blocks: 1, planes: 0)
        } decoder: {
            StudentDecoder(embedding: 0, block: .basic, layers: [1, 1, 1], planes: [32, 16, 8])
        }
        XCTAssertThrowsError(try zeroPlanes.graph()) { error in
            XCTAssertTrue("\(error)".contains("channel counts must be positive") && "\(error)".hasPrefix("bn."), "\(error)")
        }
    }

    func testDepthwiseConvolutionOfNoChannelsIsAnError() {
        let model = RD4AD("depthwise", height: 32, width: 32, batch: 1) {
            Teacher(outputs: ["t1"]) { Conv("conv1", 8, 3, groups: .count(0)); Tap("t1") }
        } ocbe: {
            OCBE { Conv("conv1", 8, 3) }
        } decoder: {
            Decoder(outputs: ["s1"]) { Conv("conv1", 8, 3); Tap("s1") }
        }
        XCTAssertThrowsError(try model.graph()) { error in
            XCTAssertEqual("\(error)", "conv1: conv2d: 0 groups; groups must be positive")
        }
    }

    func testWidthDivisorsAreThoseThatDivideEveryChannelCount() throws {
        XCTAssertEqual(try Zoo.widthDivisors("rd4ad_lite0"), [1, 2, 4, 8])
        XCTAssertEqual(try Zoo.widthDivisors("resnet18"), [1, 2, 4, 8, 16, 32, 64])
        for bad in [0, -1, 17, 3] {
            XCTAssertThrowsError(try Zoo.model("rd4ad_lite0", widthDiv: bad)) { error in
                XCTAssertEqual("\(error)", "width divisor \(bad) does not divide every channel count of rd4ad_lite0; it takes 1, 2, 4, 8")
            }
        }
        for divisor in try Zoo.widthDivisors("rd4ad_lite0") {
            XCTAssertNoThrow(try Zoo.model("rd4ad_lite0", widthDiv: divisor).graph(batch: 1, height: 64, width: 64))
        }
    }

    /// Sizes whose element counts overflow an Int, and sizes just over the kernels' limit.
    func testHugeSizesAreErrorsNotOverflows() throws {
        let model = try Zoo.model("rd4ad_lite0", widthDiv: 8)
        for (batch, side) in [(16, 8_388_608), (1, 1_073_741_824), (1_000_000_000_000, 256), (16, Int.max / 32 * 32),
                              (1, 32_768)] {
            XCTAssertThrowsError(try model.graph(batch: batch, height: side, width: side)) { error in
                XCTAssertTrue("\(error)".contains("over 2^31 elements") && "\(error)".contains("batch \(batch)"), "\(error)")
            }
        }
        XCTAssertNil(Shape(1 << 32, 1 << 32).checkedCount)
        XCTAssertNil(Shape(-1, 4).checkedCount)
        XCTAssertEqual(Shape(3, 4).checkedCount, 12)
    }
}
