/// Image decisions at one score threshold: a sample is flagged anomalous when its score is
/// >= `threshold` (as `bestF1Threshold` flags them).
public struct ConfusionCounts: Equatable, Sendable {
    public let truePositives: Int
    public let falsePositives: Int
    public let falseNegatives: Int
    public let trueNegatives: Int

    public init(scores: [Double], labels: [Bool], threshold: Double) {
        precondition(scores.count == labels.count, "ConfusionCounts: \(scores.count) scores for \(labels.count) labels")
        var tp = 0, fp = 0, fn = 0, tn = 0
        for (score, label) in zip(scores, labels) {
            switch (score >= threshold, label) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            case (false, false): tn += 1
            }
        }
        truePositives = tp
        falsePositives = fp
        falseNegatives = fn
        trueNegatives = tn
    }

    /// 2 TP / (2 TP + FP + FN); NaN when there are no positives and nothing is flagged.
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? .nan : 2 * Double(truePositives) / Double(denominator)
    }
}
