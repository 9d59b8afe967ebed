/// The fixed-point weights of Pillow's bilinear resampling along one axis
/// (precompute_coeffs + normalize_coeffs_8bpc in libImaging/Resample.c): output sample `o`
/// is the weighted sum of input samples `window(o).first ..< first + count`.
struct PILResampleKernel {
    /// Pillow's PRECISION_BITS for 8-bit images: 32 - 8 - 2.
    static let precisionBits = 22
    /// Added before the final shift so that truncation rounds to nearest.
    static let roundingBias = 1 << (precisionBits - 1)

    let outputSize: Int
    private let firsts: [Int]
    private let counts: [Int]
    /// Row-major [outputSize][maxCount].
    private let weights: [Int]
    private let maxCount: Int

    init(inputSize: Int, outputSize: Int) {
        let support = 1.0  // the bilinear (triangle) filter's support
        let scale = Double(inputSize) / Double(outputSize)
        // Shrinking widens the filter by the scale factor: this is PIL's antialiasing.
        let filterScale = max(scale, 1)
        let scaledSupport = support * filterScale
        maxCount = Int(scaledSupport.rounded(.up)) * 2 + 1
        let inverseFilterScale = 1 / filterScale  // multiplied, not divided: same bits as Pillow

        var firsts = [Int](), counts = [Int]()
        var weights = [Int](repeating: 0, count: outputSize * maxCount)
        for o in 0..<outputSize {
            let center = (Double(o) + 0.5) * scale
            // C's (int) truncation of a value that is >= -0.5 here, as in Pillow.
            let first = max(Int(center - scaledSupport + 0.5), 0)
            let last = min(Int(center + scaledSupport + 0.5), inputSize)
            let count = last - first
            let raw = (0..<count).map { i in
                Self.triangle((Double(first + i) - center + 0.5) * inverseFilterScale)
            }
            let total = raw.reduce(0, +)
            for i in 0..<count {
                let normalized = total != 0 ? raw[i] / total : raw[i]
                // Pillow rounds half away from zero; triangle weights are never negative.
                weights[o * maxCount + i] = Int(0.5 + normalized * Double(1 << Self.precisionBits))
            }
            firsts.append(first)
            counts.append(count)
        }
        self.outputSize = outputSize
        self.firsts = firsts
        self.counts = counts
        self.weights = weights
    }

    func window(_ output: Int) -> (first: Int, count: Int) { (firsts[output], counts[output]) }

    func weight(_ output: Int, _ i: Int) -> Int { weights[output * maxCount + i] }

    /// Pillow's clip8: drop the fixed-point fraction, saturating to 0...255.
    static func clipToUInt8(_ sum: Int) -> UInt16 {
        UInt16(min(max(sum >> precisionBits, 0), 255))
    }

    private static func triangle(_ x: Double) -> Double {
        let distance = abs(x)
        return distance < 1 ? 1 - distance : 0
    }
}
