import ArgumentParser
import Foundation

/// Where a command writes a file: never over one of its own inputs (`export --out
/// RUN/last.ckpt`), and never over an existing file of another kind unless `--force`
/// (`eval --report RUN/last.ckpt`). Checked before any work is done.
struct OutputFile {
    /// The option that names the file, for messages.
    var flag: String
    var path: String
    /// What the command writes, e.g. "an rdc weights file".
    var kind: String
    /// Whether the existing file at a path is of `kind`, so replacing it loses nothing foreign.
    var isOwnKind: (String) -> Bool

    func check(inputs: [String], force: Bool) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        if isFolder.boolValue { throw ValidationError("\(flag) \(path) is a folder; give the name of \(kind) to write") }
        try Self.checkNotAnInput(path, flag: flag, inputs: inputs)
        guard force || isOwnKind(path) else {
            throw ValidationError("\(flag) \(path) exists and is not \(kind); not replacing it (--force replaces it anyway)")
        }
    }

    /// An output file or folder must not be one of the command's inputs (a heat-map folder
    /// that is an image folder would be read back as images next time).
    static func checkNotAnInput(_ path: String, flag: String, inputs: [String]) throws {
        if let input = inputs.first(where: { isSameFile(path, $0) }) {
            throw ValidationError("\(flag) \(path) is \(input), an input of this command: write elsewhere")
        }
    }

    /// Same device and inode: the same file under any name (links, ./, ../).
    static func isSameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
