import DSL
import Foundation

/// Directory listing helpers: sorted, hidden files ignored, so that every run sees the same
/// order on every file system.
enum FileListing {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func isFile(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
    }

    /// Entry names of a folder, hidden ones (".DS_Store", ...) left out, sorted by bytes.
    static func entries(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { !$0.hasPrefix(".") }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        } catch {
            throw DatasetError.missing(path: folder, expected: "cannot list the folder: \(FileProblem.reason(error))")
        }
    }

    static func subfolders(_ folder: String) throws -> [String] {
        try entries(folder).filter { isDirectory(folder + "/" + $0) }
    }

    static func isPNGName(_ name: String) -> Bool { name.lowercased().hasSuffix(".png") }

    /// The PNG files of a folder (names only, sorted) and how many other files it holds.
    static func pngFiles(_ folder: String) throws -> (png: [String], others: Int) {
        let files = try entries(folder).filter { isFile(folder + "/" + $0) }
        let png = files.filter(isPNGName)
        return (png, files.count - png.count)
    }

    /// The PNG files of a folder that must hold at least one: an `emptyFolder` error otherwise.
    static func requiredPNGFiles(_ folder: String) throws -> [String] {
        guard isDirectory(folder) else {
            throw DatasetError.missing(path: folder, expected: "expected a folder of normal training images \(folder)/*.png")
        }
        let (png, others) = try pngFiles(folder)
        guard !png.isEmpty else { throw DatasetError.emptyFolder(folder: folder, pattern: "*.png", otherFiles: others) }
        return png
    }

    /// "007.png" -> "007".
    static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        return String(name[..<dot])
    }

    /// Joins without doubling slashes; a root given with a trailing slash stays usable.
    static func join(_ base: String, _ parts: String...) -> String {
        var path = base.count > 1 && base.hasSuffix("/") ? String(base.dropLast()) : base
        for part in parts { path += "/" + part }
        return path
    }
}
