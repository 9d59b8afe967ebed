import Foundation
import Imaging
import Testing

struct HeatMapTests {
    let black = Image(width: 3, height: 1, channels: 3, bitDepth: 8, samples: [0, 0, 0, 0, 0, 0, 0, 0, 0])

    @Test func lowMiddleAndHighFollowJet() {
        // jet(0) = dark blue (0, 0, 0.5), jet(0.5) = (0.5, 1, 0.5), jet(1) = dark red (0.5, 0, 0);
        // half of each over black.
        let overlay = black.heatMapOverlay(map: [2, 3, 4], low: 2, high: 4)
        #expect(overlay.samples == [0, 0, 64, 64, 128, 64, 64, 0, 0])
    }

    @Test func valuesOutsideTheRangeAreClamped() {
        #expect(black.heatMapOverlay(map: [-10, 3, 99], low: 2, high: 4)
                == black.heatMapOverlay(map: [2, 3, 4], low: 2, high: 4))
    }

    @Test func flatRangeDrawsTheLowColor() {
        #expect(black.heatMapOverlay(map: [5, 5, 5], low: 5, high: 5)
                == black.heatMapOverlay(map: [0, 0, 0], low: 0, high: 1))
    }

    @Test func grayImagesBlendAsRGB() {
        let gray = Image(width: 1, height: 1, channels: 1, bitDepth: 8, samples: [200])
        #expect(gray.heatMapOverlay(map: [0], low: 0, high: 1).samples == [100, 100, 164])
    }

    @Test func overlayIsWritableAsPNG() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let overlay = black.heatMapOverlay(map: [0, 0.5, 1], low: 0, high: 1)
        try overlay.writePNG(to: directory + "/heat.png")
        #expect(try Image(pngFile: directory + "/heat.png") == overlay)
    }
}
