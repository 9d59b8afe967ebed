import DSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that never leave a half file: write a temporary file in the same
/// folder, fsync it, rename it over the target, fsync the folder.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = "\(dir)/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileProblem(errno: errno, path: path, writing: true) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { return false }
                done += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw FileProblem(errno: code, path: path, writing: true)
        }
        let dirfd = open(dir, O_RDONLY)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }
}
