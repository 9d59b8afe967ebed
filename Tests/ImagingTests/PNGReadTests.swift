import Foundation
import Imaging
import Testing

/// Every PNG layout the reader accepts, on fixtures written by PNGFixture (not by libpng).
struct PNGReadTests {
    func decode(_ fixture: PNGFixture) throws -> Image {
        try Image(pngData: fixture.encoded(), name: "fixture.png")
    }

    @Test func gray8BitKeepsSamples() throws {
        let image = try decode(PNGFixture(width: 3, height: 2, bitDepth: 8, colorType: .gray,
                                          samples: [0, 1, 127, 128, 254, 255]))
        #expect((image.width, image.height, image.channels, image.bitDepth) == (3, 2, 1, 8))
        #expect(image.samples == [0, 1, 127, 128, 254, 255])
    }

    @Test func rgb8BitKeepsSamples() throws {
        let samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let image = try decode(PNGFixture(width: 2, height: 2, bitDepth: 8, colorType: .rgb, samples: samples))
        #expect((image.channels, image.bitDepth) == (3, 8))
        #expect(image.samples == samples.map(UInt16.init))
        #expect(image[1, 1, 2] == 30)
    }

    @Test func gray16BitKeepsSamples() throws {
        let samples = [0, 1, 255, 256, 32768, 65535]
        let image = try decode(PNGFixture(width: 2, height: 3, bitDepth: 16, colorType: .gray, samples: samples))
        #expect((image.channels, image.bitDepth) == (1, 16))
        #expect(image.samples == samples.map(UInt16.init))
    }

    @Test func rgb16BitKeepsSamples() throws {
        let samples = [0, 1000, 65535, 12345, 54321, 300]
        let image = try decode(PNGFixture(width: 2, height: 1, bitDepth: 16, colorType: .rgb, samples: samples))
        #expect((image.channels, image.bitDepth) == (3, 16))
        #expect(image.samples == samples.map(UInt16.init))
    }

    @Test func rgba16BitDropsAlphaAfterUndoingLibpngsPremultiplication() throws {
        // Opaque, half transparent, fully transparent.
        let samples = [40000, 20000, 65535, 65535, 40000, 20000, 65535, 32768, 40000, 20000, 65535, 0]
        let image = try decode(PNGFixture(width: 3, height: 1, bitDepth: 16, colorType: .rgba, samples: samples))
        #expect((image.channels, image.bitDepth) == (3, 16))
        #expect(Array(image.samples[0..<3]) == [40000, 20000, 65535])
        for (read, stored) in zip(image.samples[3..<6], [40000, 20000, 65535]) {
            #expect(abs(Int(read) - stored) <= 2)
        }
        #expect(Array(image.samples[6..<9]) == [0, 0, 0])
    }

    @Test func grayAlpha8BitDropsAlphaWithoutCompositing() throws {
        let image = try decode(PNGFixture(width: 3, height: 1, bitDepth: 8, colorType: .grayAlpha,
                                          samples: [200, 255, 100, 128, 50, 0]))
        #expect((image.channels, image.bitDepth) == (1, 8))
        #expect(image.samples == [200, 100, 50])
    }

    @Test func rgba8BitDropsAlphaWithoutCompositing() throws {
        let image = try decode(PNGFixture(width: 2, height: 1, bitDepth: 8, colorType: .rgba,
                                          samples: [10, 20, 30, 255, 40, 50, 60, 0]))
        #expect(image.channels == 3)
        #expect(image.samples == [10, 20, 30, 40, 50, 60])
    }

    @Test func paletteExpandsToRGBIgnoringTransparency() throws {
        let palette: [(UInt8, UInt8, UInt8)] = [(255, 0, 0), (0, 128, 0), (1, 2, 3), (250, 251, 252)]
        let image = try decode(PNGFixture(width: 5, height: 1, bitDepth: 4, colorType: .palette,
                                          samples: [0, 1, 2, 3, 1], palette: palette, transparency: [0, 128]))
        #expect((image.channels, image.bitDepth) == (3, 8))
        #expect(image.samples == [255, 0, 0, 0, 128, 0, 1, 2, 3, 250, 251, 252, 0, 128, 0])
    }

    @Test func lowBitDepthGrayIsScaledTo8Bits() throws {
        let oneBit = try decode(PNGFixture(width: 9, height: 1, bitDepth: 1, colorType: .gray,
                                           samples: [1, 0, 1, 1, 0, 0, 1, 0, 1]))
        #expect(oneBit.samples == [255, 0, 255, 255, 0, 0, 255, 0, 255])
        let twoBit = try decode(PNGFixture(width: 4, height: 1, bitDepth: 2, colorType: .gray, samples: [0, 1, 2, 3]))
        #expect(twoBit.samples == [0, 85, 170, 255])
    }

    @Test func grayWithTransparentColorKeepsSamples() throws {
        let image = try decode(PNGFixture(width: 3, height: 1, bitDepth: 8, colorType: .gray,
                                          samples: [7, 8, 9], transparency: [0, 8]))
        #expect((image.channels, image.samples) == (1, [7, 8, 9]))
    }

    @Test func sixteenBitImagesScaleTo8BitsWithRounding() {
        let image = Image(width: 4, height: 1, channels: 1, bitDepth: 16, samples: [0, 128, 129, 65535])
        #expect(image.to8Bit() == Image(width: 4, height: 1, channels: 1, bitDepth: 8, samples: [0, 0, 1, 255]))
    }

    @Test func grayRepeatsIntoRGB() {
        let image = Image(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [3, 200])
        #expect(image.toRGB().samples == [3, 3, 3, 200, 200, 200])
    }
}
