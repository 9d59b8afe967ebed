import Metrics
import Testing

struct ConfusionCountsTests {
    @Test func scoresAtTheThresholdAreFlagged() {
        let counts = ConfusionCounts(scores: [0.1, 0.4, 0.35, 0.8, 0.35, 0.05],
                                     labels: [false, false, true, true, false, true], threshold: 0.35)
        #expect(counts.truePositives == 2 && counts.falsePositives == 2)
        #expect(counts.falseNegatives == 1 && counts.trueNegatives == 1)
        #expect(abs(counts.f1 - 4.0 / 7.0) < 1e-15)
    }

    @Test func countsAtTheBestF1ThresholdGiveItsF1() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.35, 0.05, 0.9, 0.2], labels = [false, false, true, true, false, true, true, false]
        let best = bestF1Threshold(scores: scores, labels: labels)
        #expect(abs(ConfusionCounts(scores: scores, labels: labels, threshold: best.threshold).f1 - best.f1) < 1e-15)
    }

    @Test func nothingToFindIsUndefined() {
        #expect(ConfusionCounts(scores: [0.1], labels: [false], threshold: 0.5).f1.isNaN)
    }
}
