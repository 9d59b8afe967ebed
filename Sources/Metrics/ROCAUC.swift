/// Area under the ROC curve of `scores` against `labels` (true = anomalous, the positive
/// class): the probability that a random positive scores higher than a random negative,
/// ties counting one half (the Mann-Whitney statistic; equals sklearn's roc_auc_score).
/// NaN when either class is empty. Scores must not be NaN.
public func rocAUC(scores: [Double], labels: [Bool]) -> Double {
    precondition(scores.count == labels.count, "rocAUC: \(scores.count) scores for \(labels.count) labels")
    var positives = [Double](), negatives = [Double]()
    for (score, label) in zip(scores, labels) {
        if label { positives.append(score) } else { negatives.append(score) }
    }
    return rocAUC(positives: positives, negatives: negatives)
}

/// Pixel AUROC: every pixel of every sample, mask as label, map value as score.
public func pixelAUROC(_ samples: [SegmentationSample]) -> Double {
    var positives = [Float](), negatives = [Float]()
    for sample in samples {
        for (score, anomalous) in zip(sample.map, sample.mask) {
            if anomalous { positives.append(score) } else { negatives.append(score) }
        }
    }
    return rocAUC(positives: positives, negatives: negatives)
}

/// Sorts both classes, then walks them together: each positive wins against the negatives
/// below it and half-wins against those equal to it. Sorting (not pairwise comparison)
/// keeps millions of pixels tractable. Generic so pixels stay Float; internal so that every
/// use is specialized (unspecialized generic sorting is many times slower).
func rocAUC<Score: BinaryFloatingPoint>(positives: [Score], negatives: [Score]) -> Double {
    precondition(!positives.contains(where: \.isNaN) && !negatives.contains(where: \.isNaN), "rocAUC: NaN score")
    guard !positives.isEmpty && !negatives.isEmpty else { return .nan }
    let positives = positives.sorted(), negatives = negatives.sorted()
    var wins = 0.0
    var below = 0  // negatives strictly below the current positive
    var i = 0
    while i < positives.count {
        let value = positives[i]
        var tiedPositives = 0
        while i < positives.count && positives[i] == value { tiedPositives += 1; i += 1 }
        while below < negatives.count && negatives[below] < value { below += 1 }
        var equal = 0
        while below + equal < negatives.count && negatives[below + equal] == value { equal += 1 }
        wins += Double(tiedPositives) * (Double(below) + 0.5 * Double(equal))
    }
    return wins / (Double(positives.count) * Double(negatives.count))
}
