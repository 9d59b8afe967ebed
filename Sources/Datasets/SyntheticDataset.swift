import DSL
import Foundation
import Imaging

/// A small MVTec-style dataset written from a seed, for end-to-end tests:
///
///     train/good/000.png ...            smooth striped texture, random phases and noise
///     test/good/000.png ...             more of the same texture
///     test/blob/000.png ...             the texture with a pasted disc, bright (even
///                                       indices) or dark (odd)
///     ground_truth/blob/000_mask.png    the disc, 255 inside, 0 outside
///
/// All images are 8-bit RGB `size` x `size`; masks 8-bit gray. The same arguments write
/// the same bytes.
public enum SyntheticDataset {
    public struct Summary: Equatable, Sendable {
        public var root: String
        public var trainCount: Int
        public var testNormalCount: Int
        public var testAnomalousCount: Int
        public var size: Int
    }

    @discardableResult
    public static func write(to directory: URL, trainCount: Int = 32, testNormalCount: Int = 8,
                             testAnomalousCount: Int = 8, size: Int = 64, seed: UInt64 = 0) throws -> Summary {
        guard size >= 16 else { throw DatasetError.invalidOption("synthetic images must be at least 16x16, not \(size)") }
        guard trainCount >= 1, testNormalCount >= 0, testAnomalousCount >= 0 else {
            throw DatasetError.invalidOption("synthetic dataset counts: \(trainCount) train, \(testNormalCount) normal "
                                             + "and \(testAnomalousCount) anomalous test images")
        }
        let root = directory.path
        let folders = ["train/good", "test/good", "test/blob", "ground_truth/blob"]
        for folder in folders {
            let path = FileListing.join(root, folder)
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw DatasetError.missing(path: path, expected: "cannot create the folder: \(FileProblem.reason(error))")
            }
        }
        func name(_ i: Int) -> String { String(format: "%03d", i) }
        // One generator stream per image, so that counts can change without changing the others.
        for i in 0..<trainCount {
            var generator = SplitMix64.stream(seed: seed, UInt64(i))
            try texture(size: size, &generator).writePNG(to: FileListing.join(root, "train/good", name(i) + ".png"))
        }
        for i in 0..<testNormalCount {
            var generator = SplitMix64.stream(seed: seed, 1_000_000 + UInt64(i))
            try texture(size: size, &generator).writePNG(to: FileListing.join(root, "test/good", name(i) + ".png"))
        }
        for i in 0..<testAnomalousCount {
            var generator = SplitMix64.stream(seed: seed, 2_000_000 + UInt64(i))
            let (image, mask) = blob(on: texture(size: size, &generator), bright: i % 2 == 0, &generator)
            try image.writePNG(to: FileListing.join(root, "test/blob", name(i) + ".png"))
            try mask.writePNG(to: FileListing.join(root, "ground_truth/blob", name(i) + "_mask.png"))
        }
        return Summary(root: root, trainCount: trainCount, testNormalCount: testNormalCount,
                       testAnomalousCount: testAnomalousCount, size: size)
    }

    /// Two crossed sinusoids (period size/4 and size/6) with random phases, plus uniform
    /// noise box-blurred twice; colour from per-channel gains.
    static func texture(size: Int, _ generator: inout SplitMix64) -> Image {
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        let phase1 = uniform() * 2 * .pi, phase2 = uniform() * 2 * .pi
        let tilt = (uniform() - 0.5) * 0.2
        var noise = (0..<(size * size)).map { _ in uniform() * 2 - 1 }
        for _ in 0..<2 { noise = boxBlur(noise, size) }
        let gains = [1.0, 0.85, 0.7]
        var samples = [UInt16](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let u = Double(x) * cos(tilt) + Double(y) * sin(tilt)
                let v = Double(y) * cos(tilt) - Double(x) * sin(tilt)
                let value = 128 + 45 * sin(2 * .pi * u / Double(size / 4) + phase1)
                    + 20 * sin(2 * .pi * v / Double(size / 6) + phase2) + 40 * noise[y * size + x]
                for c in 0..<3 {
                    samples[(y * size + x) * 3 + c] = UInt16(min(max((value * gains[c]).rounded(), 0), 255))
                }
            }
        }
        return Image(width: size, height: size, channels: 3, bitDepth: 8, samples: samples)
    }

    /// A disc of radius size/10...size/6 inside the image, flat bright (235) or dark (20).
    static func blob(on image: Image, bright: Bool, _ generator: inout SplitMix64) -> (Image, Image) {
        let size = image.width
        let radius = size / 10 + generator.below(size / 6 - size / 10 + 1)
        let margin = radius + 2
        let cx = margin + generator.below(size - 2 * margin), cy = margin + generator.below(size - 2 * margin)
        var samples = image.samples
        var mask = [UInt16](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius {
                mask[y * size + x] = 255
                for c in 0..<3 { samples[(y * size + x) * 3 + c] = bright ? 235 : 20 }
            }
        }
        return (Image(width: size, height: size, channels: 3, bitDepth: 8, samples: samples),
                Image(width: size, height: size, channels: 1, bitDepth: 8, samples: mask))
    }

    private static func boxBlur(_ values: [Double], _ size: Int) -> [Double] {
        var out = [Double](repeating: 0, count: values.count)
        for y in 0..<size {
            for x in 0..<size {
                var sum = 0.0, n = 0.0
                for dy in -1...1 {
                    for dx in -1...1 {
                        let xx = x + dx, yy = y + dy
                        guard xx >= 0, xx < size, yy >= 0, yy < size else { continue }
                        sum += values[yy * size + xx]
                        n += 1
                    }
                }
                out[y * size + x] = sum / n
            }
        }
        return out
    }
}
