import DSL
import TorchFiles
import XCTest

/// The real EfficientNet-Lite0 ImageNet weights, saved by an old torch in the legacy format.
final class LegacyCheckpointTests: XCTestCase {
    func testLite0Weights() throws {
        let weights = try TorchFile.load(try TestData.lite0Weights())
        XCTAssertEqual(weights.count, 296)
        XCTAssertEqual(weights.keys.first, "_conv_stem.weight")
        XCTAssertEqual(weights.keys.last, "_fc.bias")
        XCTAssertEqual(weights["_conv_stem.weight"]?.shape, [32, 3, 3, 3])
        XCTAssertEqual(weights["_blocks.15._expand_conv.weight"]?.shape, [1152, 192, 1, 1])
        XCTAssertEqual(weights["_blocks.15._depthwise_conv.weight"]?.shape, [1152, 1, 3, 3])
        XCTAssertEqual(weights["_blocks.15._project_conv.weight"]?.shape, [320, 1152, 1, 1])
        XCTAssertEqual(weights["_fc.weight"]?.shape, [1000, 1280])
        XCTAssertEqual(weights["_bn0.num_batches_tracked"]?.shape, [])

        var floatCount = 0, intCount = 0
        for name in weights.keys {
            switch weights[name] {
            case .float(let tensor): floatCount += tensor.count
            case .int64(let shape, _):
                XCTAssertEqual(shape, [], name)
                intCount += 1
            case nil: XCTFail(name)
            }
        }
        XCTAssertEqual(floatCount, 4_694_024)
        XCTAssertEqual(intCount, 49)

        // The stem is stored with strides (1, 32, 288, 96) (converted from TensorFlow); it must
        // come out row-major. Values from NumPy's as_strided on the same bytes.
        let stem = try weights.float("_conv_stem.weight")
        XCTAssertEqual(Array(stem.values.prefix(4)), [-1.1103361, -1.3087704, -0.010156915, 0.92081195])
        XCTAssertEqual(stem.values[((1 * 3 + 2) * 3 + 0) * 3 + 1], -0.08920227)
    }

    /// The golden Lite0 teacher.pth (zip format) holds identical tensors, so both readers must agree exactly.
    func testLegacyAndZipFormatsAgree() throws {
        let legacy = try TorchFile.load(try TestData.lite0Weights())
        let zip = try TorchFile.load(try TestData.golden("rd_lite0_b2_128x96", "teacher.pth"))
        XCTAssertEqual(legacy.keys, zip.keys)
        for name in legacy.keys where legacy[name] != zip[name] {
            XCTFail("\(name) differs between the legacy and the zip file")
        }
    }
}
