/// SplitMix64 (Steele, Lea and Flood 2014): a small seedable generator, so that splits,
/// subsets and batch orders are the same on every machine and every Swift version
/// (Swift's SystemRandomNumberGenerator cannot be seeded, and `shuffle(using:)`'s exact
/// sequence is not promised across versions; `seededShuffle` below is ours).
public struct SplitMix64: RandomNumberGenerator, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound without modulo bias (rejection below 2^64 mod bound).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.below: bound \(bound)")
        let n = UInt64(bound)
        let threshold = (0 &- n) % n
        while true {
            let r = next()
            if r >= threshold { return Int(r % n) }
        }
    }

    /// A generator for one stream of a seed (e.g. one epoch), independent of the others,
    /// so that epoch e's order does not depend on how many numbers earlier epochs drew.
    public static func stream(seed: UInt64, _ index: UInt64) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }
}

extension Array {
    /// Fisher-Yates (Durstenfeld) with `SplitMix64.below`: a fixed algorithm, so a seed
    /// gives the same order everywhere.
    public func seededShuffle(using generator: inout SplitMix64) -> [Element] {
        var result = self
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            let j = generator.below(i + 1)
            if i != j { result.swapAt(i, j) }
        }
        return result
    }
}
