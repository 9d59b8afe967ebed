import Dispatch
import Foundation

/// The programs rdc runs (a model file's swiftc and binary, bench programs) and the
/// temporary files they use, ended and removed when rdc is: on SIGINT or SIGTERM the
/// handler kills every running child's process group and removes the registered files
/// before rdc exits, as a normal return does through `defer`. A child Foundation starts
/// leads its own process group, so a terminal's Ctrl-C never reaches it by itself.
enum ChildProcesses {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var running: [Int32: Process] = [:]
    nonisolated(unsafe) private static var files: Set<String> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers once (rdc's entry calls it before any command runs).
    static func endWithRdc() {
        for signo in [SIGINT, SIGTERM] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                endAll()
                _exit(128 + signo)   // not exit(): the main thread may be inside a kernel or a write
            }
            source.resume()
            sources.append(source)
        }
    }

    /// A temporary file or folder, removed on a signal; the caller removes it otherwise (`remove`).
    static func removeOnSignal(_ url: URL) { lock.withLock { _ = files.insert(url.path) } }

    /// Removes a temporary file or folder of `removeOnSignal`.
    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
        lock.withLock { _ = files.remove(url.path) }
    }

    static func started(_ process: Process) { lock.withLock { running[process.processIdentifier] = process } }
    static func finished(_ process: Process) { lock.withLock { _ = running.removeValue(forKey: process.processIdentifier) } }

    /// Kills a child and everything it started (its process group).
    static func kill(_ process: Process) {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        _ = Foundation.kill(-pid, SIGKILL)
        _ = Foundation.kill(pid, SIGKILL)
    }

    private static func endAll() {
        let (children, paths) = lock.withLock { (Array(running.values), files) }
        children.forEach(kill)
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
