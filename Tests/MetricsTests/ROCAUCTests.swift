import Metrics
import Testing

struct ROCAUCTests {
    @Test func separatedClasses() {
        #expect(rocAUC(scores: [0.1, 0.2, 0.8, 0.9], labels: [false, false, true, true]) == 1)
        #expect(rocAUC(scores: [0.9, 0.8, 0.2, 0.1], labels: [false, false, true, true]) == 0)
    }

    @Test func sklearnDocumentationExample() {
        #expect(rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
    }

    @Test func tiesCountOneHalf() {
        #expect(rocAUC(scores: [1.0, 1.0], labels: [false, true]) == 0.5)
        // Positive 2 beats 1 and ties 2; positive 3 beats both: (1.5 + 2) / 4.
        #expect(rocAUC(scores: [1.0, 2.0, 2.0, 3.0], labels: [false, false, true, true]) == 0.875)
    }

    @Test func singleClassIsUndefined() {
        #expect(rocAUC(scores: [0.1, 0.2], labels: [true, true]).isNaN)
        #expect(rocAUC(scores: [Double](), labels: []).isNaN)
    }

    @Test func pixelAUROCPoolsEveryPixel() {
        let a = SegmentationSample(width: 2, height: 1, map: [0.1, 0.9], mask: [false, true])
        let b = SegmentationSample(width: 2, height: 1, map: [0.5, 0.95], mask: [false, false])
        // Positive 0.9 beats 0.1 and 0.5 but not 0.95.
        #expect(pixelAUROC([a, b]) == 2.0 / 3.0)
    }
}
