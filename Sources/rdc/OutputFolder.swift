import ArgumentParser
import DSL
import Foundation

/// A folder a command writes several files into (`eval --html DIR`): a new folder, an empty
/// one, or one the command wrote before; never one holding a user's other files unless
/// `--force`, and never one of the command's inputs. Checked before any work is done.
struct OutputFolder {
    /// The option that names the folder, for messages.
    var flag: String
    var path: String
    /// What the command writes there, e.g. "an rdc HTML report".
    var kind: String
    /// Whether the existing folder holds what this command wrote, so writing again loses nothing foreign.
    var isOwnKind: (String) -> Bool

    func check(inputs: [String], force: Bool) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw ValidationError("\(flag) \(path) is a file; give a folder to write \(kind) into") }
        try OutputFile.checkNotAnInput(path, flag: flag, inputs: inputs)
        let contents: [String]
        do {
            contents = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ValidationError("\(flag) \(path): cannot list the folder (\(FileProblem.reason(error)))")
        }
        guard force || contents.isEmpty || isOwnKind(path) else {
            throw ValidationError("\(flag) \(path) holds other files and not \(kind); not writing into it "
                                  + "(give a new or empty folder; --force writes into it anyway)")
        }
    }
}
