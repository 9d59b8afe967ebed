import Foundation
import Imaging

/// A fresh folder under the system temporary directory; removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("DatasetsTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func url(_ relative: String = "") -> URL { URL(fileURLWithPath: relative.isEmpty ? path : path + "/" + relative) }

    /// Creates the parent folders of `relative` and returns its full path.
    func prepare(_ relative: String) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        return full
    }

    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    /// Writes an 8-bit RGB image filled with a gradient based on `seed`.
    @discardableResult
    func writeImage(_ relative: String, width: Int = 8, height: Int = 8, seed: Int = 0) throws -> String {
        let full = try prepare(relative)
        let samples = (0..<(width * height * 3)).map { UInt16(($0 * 7 + seed * 31) % 256) }
        try Image(width: width, height: height, channels: 3, bitDepth: 8, samples: samples).writePNG(to: full)
        return full
    }

    /// Writes an 8-bit gray mask: 255 in the left half, 0 elsewhere.
    @discardableResult
    func writeMask(_ relative: String, width: Int = 8, height: Int = 8) throws -> String {
        let full = try prepare(relative)
        let samples = (0..<(width * height)).map { UInt16($0 % width < width / 2 ? 255 : 0) }
        try Image(width: width, height: height, channels: 1, bitDepth: 8, samples: samples).writePNG(to: full)
        return full
    }

    /// Writes the first half of a valid PNG: a truncated file libpng rejects.
    @discardableResult
    func writeCorruptPNG(_ relative: String) throws -> String {
        let full = try prepare(relative)
        let valid = try Image(width: 16, height: 16, channels: 1, bitDepth: 8,
                              samples: (0..<256).map { UInt16($0) }).pngData(name: relative)
        try valid.prefix(valid.count / 2).write(to: URL(fileURLWithPath: full))
        return full
    }

    func writeText(_ relative: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: try prepare(relative)))
    }

    func writeData(_ relative: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: try prepare(relative)))
    }
}

/// The text an error shows the user.
func message(_ error: any Error) -> String { String(describing: error) }
