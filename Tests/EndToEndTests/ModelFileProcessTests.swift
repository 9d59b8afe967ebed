import Foundation
import XCTest

/// Model files are programs: rdc runs them with a time limit, ends them when it is ended,
/// and leaves none of their temporary files behind.
final class ModelFileProcessTests: XCTestCase {
    /// A model file that never prints its graph.
    private func loopingModel() throws -> String {
        let path = try E2E.folder("looping") + "/looping.swift"
        try """
            import DSL
            import Foundation

            while true { Thread.sleep(forTimeInterval: 0.05) }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func leftovers() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
            .filter { $0.hasPrefix("rdc-model-") || $0.hasPrefix("rdc-stderr-") })
    }

    func testALoopingModelFileIsStoppedAtTheTimeout() throws {
        let before = try leftovers()
        let result = try E2E.run(["describe", try loopingModel(), "--model-timeout", "2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("did not finish within 2.0 seconds") && result.stderr.contains("--model-timeout"),
                      result.stderr)
        XCTAssertEqual(try leftovers().subtracting(before), [], "temporary files left behind")
    }

    func testTerminatingRdcEndsTheModelFileAndRemovesItsFiles() throws {
        let before = try leftovers()
        let (rdc, _, _) = try E2E.start(["describe", try loopingModel()])
        // Wait until the compiled model file runs (swiftc first: several seconds).
        var model: Int32?
        for _ in 0..<600 where model == nil {
            Thread.sleep(forTimeInterval: 0.1)
            model = try runningModel(parent: rdc.processIdentifier)
        }
        let child = try XCTUnwrap(model, "the model file never started")
        kill(rdc.processIdentifier, SIGTERM)
        rdc.waitUntilExit()
        XCTAssertEqual(rdc.terminationStatus, 128 + SIGTERM)
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertFalse(isRunning(child), "the model file (pid \(child)) still runs after rdc ended")
        XCTAssertEqual(try leftovers().subtracting(before), [], "temporary files left behind")
    }

    /// Whether `pid` exists and is not a zombie (one whose parent ended may wait for a reaper).
    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }

    /// The pid of a child of `parent` running a compiled model file (rdc-model-*/model).
    private func runningModel(parent: Int32) throws -> Int32? {
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/exe") else { continue }
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            if fields.count > 1, Int32(fields[1]) == parent, exe.contains("rdc-model-") { return pid }
        }
        return nil
    }
}
