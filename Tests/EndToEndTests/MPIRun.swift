import Foundation
import XCTest

/// Open MPI's mpirun as the end-to-end tests start it: on this one machine, more ranks than
/// cores allowed, one OpenMP thread per rank, as root where CI runs as root.
enum MPIRun {
    static func mpirun() throws -> String {
        let candidates = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"]
        guard let found = candidates.first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("mpirun is not installed (make test installs Open MPI: scripts/install-test-deps.sh)")
        }
        return found
    }

    /// mpirun's arguments for `ranks` ranks of `rdc arguments`.
    static func arguments(ranks: Int, _ arguments: [String]) throws -> [String] {
        ["--oversubscribe", "-x", "OMP_NUM_THREADS=1", "-np", String(ranks), try E2E.rdc()] + arguments
    }

    /// Open MPI refuses to run as root unless told; CI runs as root.
    static let asRoot = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]

    /// Runs `program`, failing the test (and ending it and its children) if it takes longer than `seconds`.
    static func run(_ program: String, _ arguments: [String], seconds: Double,
                    environment: [String: String] = [:]) throws -> (E2E.Output, seconds: Double) {
        let started = Date()
        let (process, out, err) = try E2E.start(arguments, program: program, environment: environment)
        while process.isRunning && Date().timeIntervalSince(started) < seconds { usleep(50_000) }
        if process.isRunning {
            process.terminate()  // mpirun passes SIGTERM on to its ranks
            usleep(3_000_000)
            kill(-process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("\(program) \(arguments.joined(separator: " ")) still ran after \(seconds) s: it hangs")
        }
        process.waitUntilExit()
        return (E2E.output(of: process, arguments: arguments, out: out, err: err), Date().timeIntervalSince(started))
    }

    /// The process id of rank `rank` among the children of mpirun `parent` (Open MPI puts the
    /// rank in each one's environment).
    static func rankProcess(_ rank: Int, of parent: pid_t) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.first { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  pid_t(stat[close...].split(separator: " ").dropFirst(2).first ?? "") == parent,
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environment.split(separator: 0).contains { $0.elementsEqual("OMPI_COMM_WORLD_RANK=\(rank)".utf8) }
        }
    }
}
