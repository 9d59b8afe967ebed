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
        guard let t = checkpoint.metadata["threshold"].flatMap(Double.init) else { return nil }
        threshold = t
        heatMapLow = checkpoint.metadata["heatmap_low"].flatMap(Float.init) ?? 0
        heatMapHigh = checkpoint.metadata["heatmap_high"].flatMap(Float.init) ?? Float(2 * t)
    }

    public func store(in checkpoint: inout Checkpoint) {
        checkpoint.metadata["threshold"] = "\(threshold)"
        checkpoint.metadata["heatmap_low"] = "\(heatMapLow)"
        checkpoint.metadata["heatmap_high"] = "\(heatMapHigh)"
    }
}
