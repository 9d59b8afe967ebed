extension Image {
    /// How much of a heat map's colour is blended over the image by default.
    public static let heatMapOpacity: Float = 0.5

    /// An anomaly map drawn over this image: each map value is normalized to [0, 1] by
    /// `low`/`high` (clamped; a flat range and NaN draw at 0), coloured with the jet
    /// colour map (blue = low, red = high) and blended with `opacity` over the image's RGB.
    /// `map` is row-major, the same width x height as the image. Returns an 8-bit RGB image.
    public func heatMapOverlay(map: [Float], low: Float, high: Float, opacity: Float = heatMapOpacity) -> Image {
        precondition(map.count == width * height,
                     "heat map: \(map.count) map values for a \(width)x\(height) image")
        let base = toRGB().to8Bit()
        let range = high - low
        var blended = [UInt16](repeating: 0, count: base.samples.count)
        for (p, value) in map.enumerated() {
            let t = range > 0 && !value.isNaN ? min(max((value - low) / range, 0), 1) : 0
            let color = Self.jet(t)
            for c in 0..<3 {
                let mixed = (1 - opacity) * Float(base.samples[p * 3 + c]) + opacity * 255 * color[c]
                blended[p * 3 + c] = UInt16(min(max(mixed.rounded(), 0), 255))
            }
        }
        return Image(width: width, height: height, channels: 3, bitDepth: 8, samples: blended)
    }

    /// MATLAB's piecewise-linear jet: dark blue, blue, cyan, yellow, red, dark red.
    public static func jet(_ t: Float) -> [Float] {
        [1.5 - abs(4 * t - 3), 1.5 - abs(4 * t - 2), 1.5 - abs(4 * t - 1)].map { min(max($0, 0), 1) }
    }
}
