import Imaging
import Testing

/// Expected values come from Pillow 13 (`Image.resize(size, Image.BILINEAR)`), computed
/// once with Python and copied here.
struct PILBilinearResizeTests {
    static let gray4x4: [UInt16] = [0, 40, 80, 120, 160, 200, 240, 255, 10, 20, 30, 40, 50, 60, 70, 80]

    func gray(_ width: Int, _ height: Int, _ samples: [UInt16]) -> Image {
        Image(width: width, height: height, channels: 1, bitDepth: 8, samples: samples)
    }

    /// The test pattern used for the larger cases: (37x + 91y + (xy mod 13) + 50c) mod 256.
    func pattern(_ width: Int, _ height: Int, channels: Int) -> Image {
        var samples = [UInt16]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { samples.append(UInt16((x * 37 + y * 91 + (x * y) % 13 + c * 50) % 256)) }
            }
        }
        return Image(width: width, height: height, channels: channels, bitDepth: 8, samples: samples)
    }

    /// Sum of the samples and sum of (index + 1) * sample: a compact fingerprint of a large result.
    func checksum(_ image: Image) -> (Int, Int) {
        image.samples.enumerated().reduce((0, 0)) { ($0.0 + Int($1.element), $0.1 + ($1.offset + 1) * Int($1.element)) }
    }

    @Test func sameSizeIsIdentity() {
        let image = gray(4, 4, Self.gray4x4)
        #expect(image.resizedBilinearLikePIL(width: 4, height: 4) == image)
    }

    @Test func halvingAntialiasesOverAWiderTriangle() {
        // Support 2 input pixels each side: weights 1/8, 3/8, 3/8, 1/8 (edges renormalized).
        let resized = gray(4, 4, Self.gray4x4).resizedBilinearLikePIL(width: 2, height: 2)
        #expect(resized.samples == [96, 147, 59, 80])
    }

    @Test func shrinkingByANonIntegerFactor() {
        let resized = gray(4, 4, Self.gray4x4).resizedBilinearLikePIL(width: 3, height: 3)
        #expect(resized.samples == [60, 108, 151, 93, 123, 144, 41, 53, 65])
    }

    @Test func upscaling2x2() {
        let image = gray(2, 2, [0, 100, 200, 255])
        #expect(image.resizedBilinearLikePIL(width: 4, height: 4).samples
                == [0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255])
        #expect(image.resizedBilinearLikePIL(width: 5, height: 3).samples
                == [0, 10, 50, 90, 100, 100, 108, 139, 170, 178, 200, 205, 228, 250, 255])
    }

    @Test func rgbChannelsAreResampledIndependently() {
        let image = Image(width: 3, height: 2, channels: 3, bitDepth: 8,
                          samples: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90])
        #expect(image.resizedBilinearLikePIL(width: 2, height: 1).samples == [90, 64, 21, 30, 83, 119])
        #expect(image.resizedBilinearLikePIL(width: 5, height: 4).samples == [
            255, 0, 0, 153, 102, 0, 0, 255, 0, 0, 102, 153, 0, 0, 255,
            194, 5, 8, 120, 85, 11, 10, 204, 15, 15, 94, 134, 18, 20, 214,
            71, 15, 23, 55, 50, 32, 30, 101, 45, 44, 77, 97, 53, 60, 131,
            10, 20, 30, 22, 32, 42, 40, 50, 60, 58, 68, 78, 70, 80, 90,
        ])
    }

    @Test func intermediateRoundingMatchesPIL() {
        // Small values make the uint8 rounding between the horizontal and vertical passes visible.
        let image = gray(6, 5, [3, 4, 6, 1, 9, 0, 1, 8, 2, 7, 5, 4, 0, 9, 1, 1, 6, 2, 5, 5, 3, 8, 0, 7, 2, 6, 4, 9, 3, 1])
        #expect(image.resizedBilinearLikePIL(width: 4, height: 3).samples == [3, 5, 5, 3, 4, 4, 4, 4, 4, 5, 6, 3])
    }

    @Test func largerCasesMatchPILChecksums() {
        #expect(checksum(pattern(64, 48, channels: 3).resizedBilinearLikePIL(width: 20, height: 15)) == (114516, 51594529))
        #expect(checksum(pattern(9, 7, channels: 1).resizedBilinearLikePIL(width: 32, height: 24)) == (92946, 36624033))
        #expect(checksum(pattern(50, 40, channels: 3).resizedBilinearLikePIL(width: 32, height: 48)) == (586906, 1352692828))
    }
}
