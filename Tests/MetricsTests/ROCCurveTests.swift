import Metrics
import Testing

struct ROCCurveTests {
    @Test func sklearnDocumentationExample() {
        // sklearn.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) with drop_intermediate=False.
        let curve = rocCurve(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
        #expect(curve.map(\.fpr) == [0, 0, 0.5, 0.5, 1])
        #expect(curve.map(\.tpr) == [0, 0.5, 0.5, 1, 1])
        #expect(curve.map(\.threshold) == [.infinity, 0.8, 0.4, 0.35, 0.1])
        #expect(areaUnder(curve) == 0.75)
    }

    @Test func tiedScoresMakeOneDiagonalStep() {
        let curve = rocCurve(scores: [1, 2, 2, 3], labels: [false, false, true, true])
        #expect(curve.map(\.fpr) == [0, 0, 0.5, 1])
        #expect(curve.map(\.tpr) == [0, 0.5, 1, 1])
    }

    /// The area under the points is the AUROC that eval reports, ties included.
    @Test func areaEqualsROCAUC() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for trial in 0..<50 {
            let count = 2 + Int(next() % 200)
            // Scores on a coarse grid so that many tie, across and within classes.
            let scores = (0..<count).map { _ in Double(next() % 20) / 4 }
            var labels = (0..<count).map { _ in next() % 3 == 0 }
            labels[0] = true
            labels[1] = false
            let area = areaUnder(rocCurve(scores: scores, labels: labels))
            #expect(abs(area - rocAUC(scores: scores, labels: labels)) < 1e-12, "trial \(trial)")
        }
    }

    @Test func singleClassHasNoCurve() {
        #expect(rocCurve(scores: [0.1, 0.2], labels: [true, true]).isEmpty)
        #expect(areaUnder([]).isNaN)
    }
}
