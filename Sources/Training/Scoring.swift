import DSL

/// Image scores and smoothed anomaly maps of some images.
public struct ScoredImages: Sendable {
    public var scores: [Float]
    /// [count, height, width] row-major ("amap_smooth").
    public var maps: [Float]
    public var height: Int
    public var width: Int

    public func map(_ i: Int) -> [Float] { Array(maps[(i * height * width)..<((i + 1) * height * width)]) }
}

extension GeneratedModel {
    /// Runs the model in eval mode (BatchNorm running statistics) over `images` [n, 3, H, W],
    /// in batches of the compiled size. The last batch is padded with zero images and their
    /// results dropped: in eval mode no image affects another's result.
    public func score(_ images: HostTensor) throws -> ScoredImages {
        let n = images.shape[0], plane = 3 * height * width, mapSize = height * width
        var result = ScoredImages(scores: [], maps: [], height: height, width: width)
        result.maps.reserveCapacity(n * mapSize)
        for start in stride(from: 0, to: n, by: batch) {
            let real = min(batch, n - start)
            var values = Array(images.values[(start * plane)..<((start + real) * plane)])
            values += [Float](repeating: 0, count: (batch - real) * plane)
            try library.setInput(HostTensor(shape: [batch, 3, height, width], values: values))
            try library.forwardEval()
            result.scores += try library.tensor(named: "image_scores").values.prefix(real)
            result.maps += try library.tensor(named: "amap_smooth").values.prefix(real * mapSize)
        }
        return result
    }
}
