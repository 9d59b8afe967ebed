import Foundation

/// A file-system failure as a sentence naming the path and the cause ("cannot write X: no
/// permission to write in folder D"): the one place rdc turns errno and Foundation's file
/// errors (which print as "NSCocoaErrorDomain error 512") into what a user can act on.
public struct FileProblem: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var writing: Bool
    public var reason: String

    public var description: String { "cannot \(writing ? "write" : "read") \(path): \(reason)" }

    public init(errno code: Int32, path: String, writing: Bool) {
        self.path = path
        self.writing = writing
        reason = Self.reason(errno: code, path: path, writing: writing)
    }

    /// Foundation's file errors: a CocoaError with the path and the POSIX cause. Nil for
    /// any other error. Codes 256-511 are Foundation's read errors, the others writes.
    public init?(_ error: Error, path: String? = nil) {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain, let code = Self.posixCode(ns.userInfo[NSUnderlyingErrorKey]),
              let path = path ?? ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        else { return nil }
        self.init(errno: code, path: path, writing: !(256..<512).contains(ns.code))
    }

    /// The errno behind a Foundation error: a POSIXError, or an NSError of the POSIX domain.
    private static func posixCode(_ cause: Any?) -> Int32? {
        if let posix = cause as? POSIXError { return posix.code.rawValue }
        guard let ns = cause as? NSError, ns.domain == NSPOSIXErrorDomain else { return nil }
        return Int32(ns.code)
    }

    /// The cause of `error` for a message that names the path itself.
    public static func reason(_ error: Error) -> String { FileProblem(error)?.reason ?? error.localizedDescription }

    private static func reason(errno code: Int32, path: String, writing: Bool) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        switch code {
        case ENOENT:
            let folderExists = folder.isEmpty || FileManager.default.fileExists(atPath: folder)
            return writing && !folderExists ? "the folder \(folder) does not exist" : "there is no such file"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case EISDIR: return writing ? "it is a folder; give a file name" : "it is a folder, not a file"
        case EACCES, EPERM:
            return writing ? "no permission to write in \(folder.isEmpty ? "." : folder) (the folder is read-only or someone else's)"
                : "no permission to read it"
        case EROFS: return "the file system is read-only"
        case EEXIST: return "it already exists as a file"
        case ENOSPC: return "the disk is full"
        case EDQUOT: return "the disk quota is used up"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
