import DSL
import XCTest

final class GraphErrorTests: XCTestCase {
    /// A block whose body changes the width but whose shortcut does not: the error names the
    /// layer path and both shapes.
    func testChannelMismatchInResidualNamesLayerAndShapes() {
        let model = RD4AD("broken", height: 64, width: 64, batch: 1) {
            Teacher(outputs: ["t1"]) {
                Sequential("layer1") {
                    Module {
                        Residual {
                            Conv("conv1", 32, 3); BatchNorm("bn1")
                        }
                    }
                }
                Tap("t1")
            }
        } ocbe: {
            OCBE { Conv("conv1", 8, 3) }
        } decoder: {
            Decoder(outputs: ["s1"]) { Conv("conv1", 32, 3); Tap("s1") }
        }
        XCTAssertThrowsError(try model.graph()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("layer1.0:"), message)
            XCTAssertTrue(message.contains("[1,32,64,64]") && message.contains("[1,3,64,64]"), message)
        }
    }

    func testDeclaredInputChannelsAreChecked() {
        let model = RD4AD("broken", height: 32, width: 32, batch: 1) {
            Teacher(outputs: ["t1"]) { Conv("conv1", 8, 3); Tap("t1") }
        } ocbe: {
            OCBE { Conv("conv1", 8, 3, inChannels: 16) }
        } decoder: {
            Decoder(outputs: ["s1"]) { Conv("conv1", 8, 3); Tap("s1") }
        }
        XCTAssertThrowsError(try model.graph()) { error in
            XCTAssertEqual("\(error)", "bn.conv1: conv2d expects 16 input channels, got 8 (input [1,8,32,32])")
        }
    }

    func testTeacherAndDecoderFeaturesMustAgree() {
        let model = RD4AD("mismatch", height: 32, width: 32, batch: 1) {
            Teacher(outputs: ["t1"]) { Conv("conv1", 8, 3); Tap("t1") }
        } ocbe: {
            OCBE { Conv("conv1", 8, 3) }
        } decoder: {
            Decoder(outputs: ["s1"]) { Conv("conv1", 16, 3); Tap("s1") }
        }
        XCTAssertThrowsError(try model.graph()) { error in
            XCTAssertTrue("\(error)".contains("[1,8,32,32]") && "\(error)".contains("[1,16,32,32]"), "\(error)")
        }
    }
}
