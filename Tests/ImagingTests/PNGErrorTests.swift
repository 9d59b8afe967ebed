import Foundation
import Imaging
import Testing

/// Unreadable files give an ImageFileError that names the file and says what is wrong.
struct PNGErrorTests {
    let valid = PNGFixture(width: 16, height: 16, bitDepth: 8, colorType: .rgb,
                           samples: (0..<(16 * 16 * 3)).map { $0 % 256 }).encoded()

    func readError(_ data: Data, named name: String) throws -> ImageFileError {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ImageFileError.self) { try Image(pngFile: path) }
        #expect(error.path == path)
        #expect(error.description.hasPrefix(path + ": "))
        return error
    }

    @Test func nonPNGFileIsRejected() throws {
        let error = try readError(Data("P6\n2 2\n255\n".utf8), named: "image.ppm")
        #expect(error.problem.contains("not a PNG"))
    }

    @Test func emptyFileIsRejected() throws {
        let error = try readError(Data(), named: "empty.png")
        #expect(error.problem.contains("not a PNG"))
    }

    @Test func truncatedFileIsRejected() throws {
        let error = try readError(valid.prefix(valid.count / 2), named: "truncated.png")
        #expect(error.problem.contains("truncated"))
    }

    @Test func truncatedHeaderIsRejected() throws {
        let error = try readError(valid.prefix(20), named: "header.png")
        #expect(error.problem.contains("header"))
    }

    @Test func corruptImageDataIsRejected() throws {
        var corrupt = valid
        corrupt[corrupt.count - 40] ^= 0xFF  // inside IDAT: its CRC no longer matches
        _ = try readError(corrupt, named: "corrupt.png")
    }

    @Test func missingFileIsReported() throws {
        let path = "/nonexistent-\(UUID().uuidString)/mask.png"
        let error = try #require(throws: ImageFileError.self) { try Image(pngFile: path) }
        #expect(error.path == path)
        #expect(error.problem.contains("cannot read"))
    }
}
