/// The decision threshold with the highest F1 score; a sample is flagged anomalous
/// when its score is >= `threshold`.
public struct BestF1: Equatable, Sendable {
    public let threshold: Double
    public let f1: Double
    public let precision: Double
    public let recall: Double
}

/// Tries every distinct score as the threshold (as sklearn's precision_recall_curve does)
/// and keeps the best F1; among equal F1s the lowest threshold wins, as np.argmax over
/// sklearn's ascending thresholds picks. All fields are NaN when no label is positive.
/// Scores must not be NaN.
public func bestF1Threshold(scores: [Double], labels: [Bool]) -> BestF1 {
    precondition(scores.count == labels.count, "bestF1Threshold: \(scores.count) scores for \(labels.count) labels")
    precondition(!scores.contains(where: \.isNaN), "bestF1Threshold: NaN score")
    var positives = [Double](), negatives = [Double]()
    for (score, label) in zip(scores, labels) {
        if label { positives.append(score) } else { negatives.append(score) }
    }
    guard !positives.isEmpty else { return BestF1(threshold: .nan, f1: .nan, precision: .nan, recall: .nan) }
    positives.sort(by: >)
    negatives.sort(by: >)

    // Sweep the distinct scores from the highest down: lowering the threshold to a score
    // flags every sample with that score at once.
    var best = BestF1(threshold: .nan, f1: -1, precision: .nan, recall: .nan)
    var truePositives = 0, falsePositives = 0
    while truePositives < positives.count || falsePositives < negatives.count {
        let threshold = max(truePositives < positives.count ? positives[truePositives] : -.infinity,
                            falsePositives < negatives.count ? negatives[falsePositives] : -.infinity)
        while truePositives < positives.count && positives[truePositives] == threshold { truePositives += 1 }
        while falsePositives < negatives.count && negatives[falsePositives] == threshold { falsePositives += 1 }
        // F1 = 2 TP / (2 TP + FP + FN), and TP + FN is every positive.
        let f1 = 2 * Double(truePositives) / Double(truePositives + falsePositives + positives.count)
        if f1 >= best.f1 {
            best = BestF1(threshold: threshold, f1: f1,
                          precision: Double(truePositives) / Double(truePositives + falsePositives),
                          recall: Double(truePositives) / Double(positives.count))
        }
    }
    return best
}
