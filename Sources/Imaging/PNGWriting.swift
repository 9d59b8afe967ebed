import DSL
import CLibPNG
import Foundation

extension Image {
    /// Encodes as an 8-bit gray or RGB PNG (16-bit images are first scaled with `to8Bit()`).
    /// `name` is what errors call the image.
    public func pngData(name: String) throws -> Data {
        let image = to8Bit()
        var control = png_image.fresh()
        control.width = UInt32(image.width)
        control.height = UInt32(image.height)
        control.format = image.channels == 3 ? PNG_FORMAT_FLAG_COLOR : 0
        let bytes = image.samples.map(UInt8.init)
        let rowStride = Int32(image.width * image.channels)

        // First call with no memory only measures; the second writes into a buffer that size.
        var size = 0
        guard png_image_write_to_memory(&control, nil, &size, 0, bytes, rowStride, nil) != 0 else {
            throw ImageFileError(path: name, problem: "cannot encode PNG (\(control.messageText))")
        }
        var encoded = [UInt8](repeating: 0, count: size)
        guard png_image_write_to_memory(&control, &encoded, &size, 0, bytes, rowStride, nil) != 0 else {
            throw ImageFileError(path: name, problem: "cannot encode PNG (\(control.messageText))")
        }
        return Data(encoded.prefix(size))
    }

    /// Writes an 8-bit gray or RGB PNG file atomically (a temporary file renamed into place),
    /// so readers never see a half-written heat map or mask.
    public func writePNG(to path: String) throws {
        let data = try pngData(name: path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageFileError(path: path, problem: "cannot write the file: \(FileProblem.reason(error))")
        }
    }
}
