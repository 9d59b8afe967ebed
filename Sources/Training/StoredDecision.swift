import Checkpoints

/// What `rdc eval --save-threshold` stores in a checkpoint's metadata for `rdc infer`:
/// the best-F1 score threshold of the test set ("threshold") and the range of its anomaly
/// maps ("heatmap_low", "heatmap_high"), so inference draws heat maps on eval's scale.
public struct StoredDecision: Equatable, Sendable {
    public var threshold: Double
    public var heatMapLow: Float
    public var heatMapHigh: Float

    public init(threshold: Double, heatMapLow: Float, heatMapHigh: Float) {
        self.threshold = threshold
        self.heatMapLow = heatMapLow
        self.heatMapHigh = heatMapHigh
    }

    /// Nil when the checkpoint was never given a threshold.
    public init?(_ checkpoint: Checkpoint) {
        guard let t = checkpoint.metadata[Self.thresholdKey].flatMap(Double.init) else { return nil }
        threshold = t
        heatMapLow = checkpoint.metadata[Self.heatMapLowKey].flatMap(Float.init) ?? 0
        heatMapHigh = checkpoint.metadata[Self.heatMapHighKey].flatMap(Float.init) ?? Float(2 * t)
    }

    static let thresholdKey = "threshold", heatMapLowKey = "heatmap_low", heatMapHighKey = "heatmap_high"

    public func store(in checkpoint: inout Checkpoint) {
        checkpoint.metadata[Self.thresholdKey] = "\(threshold)"
        checkpoint.metadata[Self.heatMapLowKey] = "\(heatMapLow)"
        checkpoint.metadata[Self.heatMapHighKey] = "\(heatMapHigh)"
    }

    static func remove(from checkpoint: inout Checkpoint) {
        for key in [thresholdKey, heatMapLowKey, heatMapHighKey] { checkpoint.metadata[key] = nil }
    }
}
