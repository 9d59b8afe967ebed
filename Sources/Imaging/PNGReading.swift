import DSL
import CLibPNG
import Foundation

extension Image {
    /// Reads a PNG file (8 or 16 bit; gray, gray+alpha, RGB, RGBA or palette).
    /// Palette images become RGB; alpha (or tRNS transparency) is dropped, not composited,
    /// as PIL's convert("RGB") does. Errors name the file.
    public init(pngFile path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImageFileError(path: path, problem: "cannot read the file: \(FileProblem.reason(error))")
        }
        try self.init(pngData: data, name: path)
    }

    /// Decodes PNG bytes; `name` is what errors call the data (usually its file path).
    ///
    /// Decoding goes through libpng's simplified API, which keeps libpng's setjmp/longjmp
    /// error handling inside libpng. Its rules on sample values:
    /// - 8-bit files come back as stored, except a gAMA chunk far from sRGB's (rare), which
    ///   libpng re-encodes to sRGB where PIL would return the stored values.
    /// - 16-bit files are read as linear 16-bit: stored values unchanged when the file has no
    ///   gAMA/sRGB chunk; with one, libpng converts them to linear light. With alpha, libpng's
    ///   linear output is premultiplied; we divide alpha back out, which is exact for opaque
    ///   pixels and gives 0 for fully transparent ones.
    public init(pngData data: Data, name: String) throws {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= signature.count, data.prefix(signature.count).elementsEqual(signature) else {
            throw ImageFileError(path: name, problem: "not a PNG file (no PNG signature)")
        }
        self = try data.withUnsafeBytes { bytes in
            // libpng reads from `bytes` until finish_read returns, so both calls stay in here.
            var control = png_image.fresh()
            guard png_image_begin_read_from_memory(&control, bytes.baseAddress, bytes.count) != 0 else {
                throw ImageFileError(path: name, problem: "bad PNG header (\(control.messageText))")
            }
            return try Self.finishRead(&control, name: name)
        }
    }

    private static func finishRead(_ control: inout png_image, name: String) throws -> Image {
        let fileFormat = control.format
        let color = fileFormat & PNG_FORMAT_FLAG_COLOR != 0
        let alpha = fileFormat & PNG_FORMAT_FLAG_ALPHA != 0
        let sixteenBit = fileFormat & PNG_FORMAT_FLAG_LINEAR != 0
        // Asking for the file's own layout without COLORMAP expands palettes; keeping ALPHA
        // when the file has it stops libpng from compositing it away (we drop it below).
        control.format = (color ? PNG_FORMAT_FLAG_COLOR : 0) | (alpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            | (sixteenBit ? PNG_FORMAT_FLAG_LINEAR : 0)

        let width = Int(control.width), height = Int(control.height)
        let components = (color ? 3 : 1) + (alpha ? 1 : 0)
        let rowComponents = width * components
        guard rowComponents <= Int(Int32.max), height <= Int(Int32.max) / rowComponents else {
            png_image_free(&control)
            throw ImageFileError(path: name, problem: "image too large (\(width)x\(height))")
        }
        let decoded: [UInt16]
        if sixteenBit {
            decoded = try read(&control, count: rowComponents * height, rowStride: rowComponents,
                               of: UInt16.self, name: name)
        } else {
            decoded = try read(&control, count: rowComponents * height, rowStride: rowComponents,
                               of: UInt8.self, name: name).map(UInt16.init)
        }
        let channels = color ? 3 : 1
        let samples = alpha
            ? dropAlpha(decoded, channels: channels, unpremultiply: sixteenBit)
            : decoded
        return Image(width: width, height: height, channels: channels,
                     bitDepth: sixteenBit ? 16 : 8, samples: samples)
    }

    /// Runs png_image_finish_read into a fresh buffer (it frees libpng's state either way).
    private static func read<Sample: FixedWidthInteger>(
        _ control: inout png_image, count: Int, rowStride: Int, of: Sample.Type, name: String
    ) throws -> [Sample] {
        var buffer = [Sample](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBytes { out in
            png_image_finish_read(&control, nil, out.baseAddress, Int32(rowStride), nil)
        }
        guard ok != 0 else {
            throw ImageFileError(path: name, problem: "corrupt or truncated PNG (\(control.messageText))")
        }
        return buffer
    }

    /// Removes the last component of each pixel; for libpng's premultiplied linear output,
    /// first divides the colour by alpha (rounded), undoing the premultiplication.
    private static func dropAlpha(_ decoded: [UInt16], channels: Int, unpremultiply: Bool) -> [UInt16] {
        let components = channels + 1
        var samples = [UInt16]()
        samples.reserveCapacity(decoded.count / components * channels)
        for pixel in stride(from: 0, to: decoded.count, by: components) {
            let alpha = UInt32(decoded[pixel + channels])
            for c in 0..<channels {
                let value = UInt32(decoded[pixel + c])
                guard unpremultiply else { samples.append(UInt16(value)); continue }
                let straight = alpha == 0 ? 0 : min(65535, (value * 65535 + alpha / 2) / alpha)
                samples.append(UInt16(straight))
            }
        }
        return samples
    }
}
