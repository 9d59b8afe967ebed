import DSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One trainer per run folder: an exclusive `flock` on RUN/.lock, held as long as the
/// trainer lives (the kernel drops it when the process ends, kill -9 included). The holder
/// writes its pid into the file, so a second trainer can say which process has the run.
/// Under the lock, temporary files in the folder can only be left over from dead trainers.
final class RunLock {
    private let descriptor: Int32

    init(_ run: TrainingRun) throws {
        let path = run.lock
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileProblem(errno: errno, path: path, writing: true)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw TrainingError("\(run.directory) is in use by another rdc train (\(holder.isEmpty ? "its pid is not known yet" : "pid \(holder)")): "
                                + "wait for it to finish, or train into another folder (--out)")
        }
        let pid = Data("\(getpid())\n".utf8)
        ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(descriptor) }
}
