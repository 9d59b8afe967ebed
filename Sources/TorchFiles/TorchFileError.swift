/// Why a `.pth` file could not be read, or why its tensors do not fit a model.
/// `description` starts with the file path, so a message in a log says which file to look at.
public struct TorchFileError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The operating system could not read the file.
        case unreadable = "cannot read"
        /// The file ends before a structure it declares (a partial download or copy).
        case truncated
        /// The bytes are inconsistent: not a checkpoint, or damaged.
        case corrupt
        /// A valid file using something this reader deliberately leaves out (compression, a dtype, big-endian data).
        case unsupported
        /// The pickle names a Python global outside the allowlist; loading it with Python could run code.
        case disallowedGlobal = "disallowed global"
        /// The tensors do not match the names and shapes a model expects.
        case mismatch = "state dict mismatch"
    }

    public let file: String
    public let kind: Kind
    public let message: String

    public init(file: String, kind: Kind, message: String) {
        self.file = file
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(file): \(kind.rawValue): \(message)" }
}

/// A failure found while decoding, before the file name is known to the code that finds it;
/// `TorchFile.load` turns it into a `TorchFileError` naming the file.
struct Problem: Error {
    let kind: TorchFileError.Kind
    let message: String

    init(_ kind: TorchFileError.Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
