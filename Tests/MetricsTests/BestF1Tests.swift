import Metrics
import Testing

struct BestF1Tests {
    @Test func picksTheScoreMaximisingF1() {
        // Thresholds 0.8, 0.4, 0.35, 0.1 give F1 2/3, 1/2, 4/5, 2/3.
        let best = bestF1Threshold(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true])
        #expect(best.threshold == 0.35)
        #expect(abs(best.f1 - 0.8) < 1e-15)
        #expect(abs(best.precision - 2.0 / 3.0) < 1e-15)
        #expect(best.recall == 1)
    }

    @Test func equalF1PrefersTheLowestThreshold() {
        // Threshold 5: TP 1, FP 0 -> 2/3; threshold 2: TP 2, FP 2 -> 2/3.
        let best = bestF1Threshold(scores: [5, 4, 3, 2], labels: [true, false, false, true])
        #expect(best.threshold == 2)
        #expect(abs(best.f1 - 2.0 / 3.0) < 1e-15)
    }

    @Test func tiedScoresAreFlaggedTogether() {
        let best = bestF1Threshold(scores: [1, 1], labels: [true, false])
        #expect(best.threshold == 1 && best.precision == 0.5 && best.recall == 1)
    }

    @Test func noPositivesIsUndefined() {
        let best = bestF1Threshold(scores: [0.3, 0.7], labels: [false, false])
        #expect(best.threshold.isNaN && best.f1.isNaN)
    }
}
