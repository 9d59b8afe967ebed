import Foundation

/// The first `count` bytes of the file at `path` (fewer where it is shorter; none where it
/// cannot be read): how rdc tells its own files and PyTorch's apart before reading them.
public func fileHead(_ path: String, count: Int) -> Data {
    guard let handle = FileHandle(forReadingAtPath: path) else { return Data() }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: count)) ?? Data()
}
