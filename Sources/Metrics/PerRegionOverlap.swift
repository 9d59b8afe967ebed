/// One threshold of the PRO curve: pixels with map value > `threshold` are positive;
/// `fpr` is the fraction of normal pixels that are positive, `pro` the mean over regions
/// of the fraction of each region's pixels that are positive.
public struct PROCurvePoint: Equatable, Sendable {
    public let threshold: Double
    public let fpr: Double
    public let pro: Double

    public init(threshold: Double, fpr: Double, pro: Double) {
        self.threshold = threshold
        self.fpr = fpr
        self.pro = pro
    }
}

public struct PROResult: Equatable, Sendable {
    /// Area under PRO versus FPR over the thresholds with FPR < maxFPR, the FPRs rescaled
    /// by the largest kept one (so a perfect detector scores 1). NaN when undefined
    /// (fewer than two kept thresholds, no regions, or no normal pixels).
    public let area: Double
    /// Every threshold, ascending (so FPR and PRO never increase along the curve).
    public let curve: [PROCurvePoint]
    /// Anomalous regions over all masks.
    public let regionCount: Int
    /// Thresholds with FPR < maxFPR, the ones the area is computed over.
    public let keptThresholdCount: Int
    /// The FPR limit the area was computed to.
    public let maxFPR: Double

    /// The part of the curve the area is computed over.
    public var keptCurve: [PROCurvePoint] { Self.kept(curve, maxFPR: maxFPR) }

    static func kept(_ curve: [PROCurvePoint], maxFPR: Double) -> [PROCurvePoint] { curve.filter { $0.fpr < maxFPR } }
}

/// The per-region-overlap metric of RD4AD's evaluation (MVTec AD's PRO), normalized
/// area up to `maxFPR`. Thresholds are lo + i (hi - lo) / thresholdCount, i = 0..<thresholdCount,
/// lo/hi the extremes over all maps; regions are 8-connected components of each mask.
///
/// Rather than binarising every map at every threshold, each pixel is placed once (binary
/// search) by how many thresholds lie below its value, into a histogram for normal pixels
/// and one per region; suffix sums of the histograms then give every threshold's counts.
public func perRegionOverlap(_ samples: [SegmentationSample], thresholdCount: Int = 200,
                             maxFPR: Double = 0.3) -> PROResult {
    precondition(thresholdCount > 0, "perRegionOverlap: thresholdCount \(thresholdCount)")
    var lo = Float.infinity, hi = -Float.infinity
    for sample in samples {
        for value in sample.map { lo = min(lo, value); hi = max(hi, value) }
    }
    let thresholds = (0..<thresholdCount).map {
        Double(lo) + Double($0) * (Double(hi) - Double(lo)) / Double(thresholdCount)
    }

    // Bin k counts the pixels whose value exceeds exactly the first k thresholds.
    let bins = thresholdCount + 1
    var normalHistogram = [Int](repeating: 0, count: bins)
    var regionHistograms = [Int]()  // one run of `bins` per region, all images together
    for sample in samples {
        let regions = ConnectedRegions(mask: sample.mask, width: sample.width, height: sample.height)
        let firstBin = regionHistograms.count
        regionHistograms += [Int](repeating: 0, count: regions.count * bins)
        for (pixel, value) in sample.map.enumerated() {
            let bin = thresholdsBelow(Double(value), in: thresholds)
            let region = regions.regionOfPixel[pixel]
            if region < 0 {
                normalHistogram[bin] += 1
            } else {
                regionHistograms[firstBin + region * bins + bin] += 1
            }
        }
    }
    let regionCount = regionHistograms.count / bins

    let normalPositives = positivesPerThreshold(normalHistogram[...])
    let normalCount = Double(normalHistogram.reduce(0, +))
    var overlapSums = [Double](repeating: 0, count: thresholdCount)
    for region in 0..<regionCount {
        let histogram = regionHistograms[(region * bins)..<((region + 1) * bins)]
        let size = Double(histogram.reduce(0, +))
        for (i, positives) in positivesPerThreshold(histogram).enumerated() {
            overlapSums[i] += Double(positives) / size
        }
    }
    let curve = thresholds.indices.map { i in
        PROCurvePoint(threshold: thresholds[i], fpr: Double(normalPositives[i]) / normalCount,
                      pro: overlapSums[i] / Double(regionCount))
    }
    let kept = PROResult.kept(curve, maxFPR: maxFPR)
    return PROResult(area: normalizedArea(kept), curve: curve,
                     regionCount: regionCount, keptThresholdCount: kept.count, maxFPR: maxFPR)
}

/// How many of the ascending `thresholds` lie strictly below `value`.
private func thresholdsBelow(_ value: Double, in thresholds: [Double]) -> Int {
    var low = 0, high = thresholds.count
    while low < high {
        let middle = (low + high) / 2
        if value > thresholds[middle] { low = middle + 1 } else { high = middle }
    }
    return low
}

/// Positive pixels at each threshold i: those exceeding more than i thresholds, a suffix
/// sum of the histogram from bin i + 1.
private func positivesPerThreshold(_ histogram: ArraySlice<Int>) -> [Int] {
    let bins = Array(histogram)
    var positives = [Int](repeating: 0, count: bins.count - 1)
    var above = 0
    for i in stride(from: bins.count - 2, through: 0, by: -1) {
        above += bins[i + 1]
        positives[i] = above
    }
    return positives
}

/// Trapezoidal area under PRO versus FPR / (largest FPR), as sklearn's auc computes it
/// (the FPRs decrease along the curve; the area is taken positive).
private func normalizedArea(_ kept: [PROCurvePoint]) -> Double {
    guard kept.count >= 2, let largest = kept.map(\.fpr).max(), largest > 0 else { return .nan }
    let fpr = kept.map { $0.fpr / largest }
    var area = 0.0
    for j in 1..<kept.count {
        area += (fpr[j] - fpr[j - 1]) * (kept[j].pro + kept[j - 1].pro) / 2
    }
    return abs(area)
}
