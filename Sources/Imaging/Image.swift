/// A decoded raster image: `channels` samples per pixel, interleaved (RGBRGB...), rows top
/// to bottom. 8-bit images hold samples 0...255, 16-bit ones 0...65535; both are stored as
/// UInt16 so that one type carries every PNG we read without losing precision.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (gray) or 3 (RGB). Alpha is dropped when a file is read, as PIL's convert("RGB") does.
    public let channels: Int
    /// 8 or 16.
    public let bitDepth: Int
    public let samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) {
        precondition(width > 0 && height > 0, "Image: empty size \(width)x\(height)")
        precondition(channels == 1 || channels == 3, "Image: \(channels) channels, expected 1 or 3")
        precondition(bitDepth == 8 || bitDepth == 16, "Image: bit depth \(bitDepth), expected 8 or 16")
        precondition(samples.count == width * height * channels,
                     "Image: \(width)x\(height)x\(channels) needs \(width * height * channels) samples, got \(samples.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// The largest sample value: 255 or 65535.
    public var maxSample: UInt16 { bitDepth == 8 ? 255 : 65535 }

    public subscript(x: Int, y: Int, channel: Int) -> UInt16 {
        samples[(y * width + x) * channels + channel]
    }

    /// Gray repeated into R, G and B (what PIL's convert("RGB") does); RGB images unchanged.
    public func toRGB() -> Image {
        guard channels == 1 else { return self }
        var rgb = [UInt16]()
        rgb.reserveCapacity(samples.count * 3)
        for v in samples { rgb.append(v); rgb.append(v); rgb.append(v) }
        return Image(width: width, height: height, channels: 3, bitDepth: bitDepth, samples: rgb)
    }

    /// 16-bit samples scaled to 8 bits with rounding (v * 255 / 65535); 8-bit images unchanged.
    public func to8Bit() -> Image {
        guard bitDepth == 16 else { return self }
        let scaled = samples.map { UInt16((UInt32($0) * 255 + 32767) / 65535) }
        return Image(width: width, height: height, channels: channels, bitDepth: 8, samples: scaled)
    }
}
