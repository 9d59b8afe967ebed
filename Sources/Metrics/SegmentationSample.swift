/// One test image at pixel level: its anomaly map (higher = more anomalous) and its
/// ground-truth mask (true = anomalous pixel), both row-major, `width` x `height`.
public struct SegmentationSample: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let map: [Float]
    public let mask: [Bool]

    public init(width: Int, height: Int, map: [Float], mask: [Bool]) {
        precondition(map.count == width * height && mask.count == width * height,
                     "SegmentationSample: \(width)x\(height) needs \(width * height) values, got map \(map.count), mask \(mask.count)")
        self.width = width
        self.height = height
        self.map = map
        self.mask = mask
    }
}
