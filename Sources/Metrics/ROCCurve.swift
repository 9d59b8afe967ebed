/// One threshold of the ROC curve: samples scoring >= `threshold` are flagged anomalous;
/// `fpr` is the fraction of negatives flagged, `tpr` the fraction of positives.
public struct ROCPoint: Equatable, Sendable {
    public let threshold: Double
    public let fpr: Double
    public let tpr: Double
}

/// The ROC curve of `scores` against `labels` (true = anomalous): one point per distinct
/// score, from the highest down, after a first point (0, 0) at threshold +infinity; the
/// last point is (1, 1). Tied scores move FPR and TPR together, a diagonal step, so the
/// trapezoidal area under the points is `rocAUC` (ties counting one half). Empty when
/// either class is empty. Scores must not be NaN.
public func rocCurve(scores: [Double], labels: [Bool]) -> [ROCPoint] {
    precondition(scores.count == labels.count, "rocCurve: \(scores.count) scores for \(labels.count) labels")
    precondition(!scores.contains(where: \.isNaN), "rocCurve: NaN score")
    let positiveCount = labels.filter { $0 }.count, negativeCount = labels.count - positiveCount
    guard positiveCount > 0 && negativeCount > 0 else { return [] }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var points = [ROCPoint(threshold: .infinity, fpr: 0, tpr: 0)]
    var truePositives = 0, falsePositives = 0
    var next = 0
    while next < order.count {
        let threshold = scores[order[next]]
        while next < order.count && scores[order[next]] == threshold {
            if labels[order[next]] { truePositives += 1 } else { falsePositives += 1 }
            next += 1
        }
        points.append(ROCPoint(threshold: threshold, fpr: Double(falsePositives) / Double(negativeCount),
                               tpr: Double(truePositives) / Double(positiveCount)))
    }
    return points
}

/// The trapezoidal area under ROC points (FPR ascending along the curve).
public func areaUnder(_ curve: [ROCPoint]) -> Double {
    guard curve.count >= 2 else { return .nan }
    var area = 0.0
    for j in 1..<curve.count {
        area += (curve[j].fpr - curve[j - 1].fpr) * (curve[j].tpr + curve[j - 1].tpr) / 2
    }
    return area
}
