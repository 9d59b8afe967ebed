import Metrics
import Testing

struct PerRegionOverlapTests {
    /// The number of 8-connected regions PRO finds in a mask drawn as rows like "#.#".
    func regionCount(_ rows: [String]) -> Int {
        let mask = rows.flatMap { $0.map { $0 == "#" } }
        let map = (0..<mask.count).map(Float.init)
        return perRegionOverlap([SegmentationSample(width: rows[0].count, height: rows.count, map: map, mask: mask)])
            .regionCount
    }

    @Test func diagonalNeighboursShareARegion() {
        #expect(regionCount(["#...", ".#..", "..#.", "...#"]) == 1)
        #expect(regionCount(["..#", ".#.", "#.."]) == 1)
    }

    @Test func ringWithAHoleIsOneRegionAndSeparateBlobsAreNot() {
        #expect(regionCount(["###", "#.#", "###"]) == 1)
        #expect(regionCount(["#.#", "...", "#.#"]) == 4)
        #expect(regionCount(["##.", "..#", "#.."]) == 2)
        #expect(regionCount(["...", "..."]) == 0)
    }

    @Test func proAveragesRegionsNotPixels() {
        // A 3-pixel region fully detected and a 1-pixel region missed: PRO 0.5 (pixel-weighted
        // would be 0.75). Thresholds 0 and 1: at 0 one of three normal pixels is positive.
        let sample = SegmentationSample(width: 7, height: 1, map: [2, 2, 2, 0, 0, 1, 0],
                                        mask: [true, true, true, false, true, false, false])
        let result = perRegionOverlap([sample], thresholdCount: 2, maxFPR: 1)
        #expect(result.regionCount == 2)
        #expect(result.curve == [PROCurvePoint(threshold: 0, fpr: 1.0 / 3.0, pro: 0.5),
                                 PROCurvePoint(threshold: 1, fpr: 0, pro: 0.5)])
        #expect(result.keptThresholdCount == 2)
        #expect(result.area == 0.5)
    }

    @Test func thresholdsAboveMaxFPRAreDropped() {
        let sample = SegmentationSample(width: 7, height: 1, map: [2, 2, 2, 0, 0, 1, 0],
                                        mask: [true, true, true, false, true, false, false])
        let result = perRegionOverlap([sample], thresholdCount: 2, maxFPR: 0.3)
        #expect(result.keptThresholdCount == 1)
        #expect(result.keptCurve == [PROCurvePoint(threshold: 1, fpr: 0, pro: 0.5)])
        #expect(result.area.isNaN)  // one point spans no area
    }

    @Test func regionsAreCountedOverAllImages() {
        let a = SegmentationSample(width: 2, height: 2, map: [0, 1, 2, 3], mask: [true, false, false, false])
        let b = SegmentationSample(width: 2, height: 2, map: [0, 1, 2, 3], mask: [false, false, true, true])
        #expect(perRegionOverlap([a, b]).regionCount == 2)
    }
}
