import Foundation
import FuzzHarness
import XCTest

/// Every input of the committed fuzzing corpora (Fuzz/corpus/TARGET/: the seeds, and each
/// crash `make fuzz` ever found, once fixed) through its reader again: none may trap.
final class FuzzReplayTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    func testEveryCorpusInputIsReadWithoutATrap() throws {
        for target in FuzzTarget.allCases {
            let folder = Self.corpus.appendingPathComponent(target.rawValue)
            let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            XCTAssertFalse(inputs.isEmpty, "\(folder.path) holds no seed")
            for input in inputs { target.run(try Data(contentsOf: folder.appendingPathComponent(input))) }
        }
    }
}
