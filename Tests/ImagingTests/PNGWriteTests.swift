import Foundation
import Imaging
import Testing

struct PNGWriteTests {
    @Test(arguments: [1, 3])
    func eightBitRoundTrip(channels: Int) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let samples = (0..<(5 * 3 * channels)).map { UInt16($0 * 37 % 256) }
        let image = Image(width: 5, height: 3, channels: channels, bitDepth: 8, samples: samples)
        let path = directory + "/round-trip.png"
        try image.writePNG(to: path)
        #expect(try Image(pngFile: path) == image)
    }

    @Test func sixteenBitImagesAreWrittenAs8Bit() throws {
        let image = Image(width: 2, height: 1, channels: 1, bitDepth: 16, samples: [65535, 32896])
        let read = try Image(pngData: image.pngData(name: "scaled.png"), name: "scaled.png")
        #expect(read == Image(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [255, 128]))
    }

    @Test func writingReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/mask.png"
        try Image(width: 1, height: 1, channels: 1, bitDepth: 8, samples: [0]).writePNG(to: path)
        let replacement = Image(width: 2, height: 1, channels: 1, bitDepth: 8, samples: [255, 0])
        try replacement.writePNG(to: path)
        #expect(try Image(pngFile: path) == replacement)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["mask.png"])
    }

    @Test func unwritablePathIsReported() throws {
        let path = "/nonexistent-\(UUID().uuidString)/heat.png"
        let image = Image(width: 1, height: 1, channels: 3, bitDepth: 8, samples: [1, 2, 3])
        let error = try #require(throws: ImageFileError.self) { try image.writePNG(to: path) }
        #expect(error.path == path)
    }
}
