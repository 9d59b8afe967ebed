import Imaging
import Testing

struct CenterCropTests {
    func row(_ width: Int) -> Image {
        Image(width: width, height: 1, channels: 1, bitDepth: 8, samples: (0..<width).map(UInt16.init))
    }

    @Test func fullSizeCropIsANoOp() {
        #expect(row(5).centerCropped(width: 5, height: 1) == row(5))
    }

    @Test func oddMarginsRoundHalfToEvenLikeTorchvision() {
        // round(1.5) = 2, round(0.5) = 0, round(2.5) = 2 in Python.
        #expect(row(5).centerCropped(width: 2, height: 1).samples == [2, 3])
        #expect(row(3).centerCropped(width: 2, height: 1).samples == [0, 1])
        #expect(row(7).centerCropped(width: 2, height: 1).samples == [2, 3])
    }

    @Test func cropsRowsAndChannels() {
        let image = Image(width: 3, height: 3, channels: 3, bitDepth: 8, samples: (0..<27).map(UInt16.init))
        #expect(image.centerCropped(width: 1, height: 1).samples == [12, 13, 14])
    }
}
