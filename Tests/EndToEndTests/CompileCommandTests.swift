import Foundation
import XCTest

/// `rdc compile` as a user meets it: the committed default models re-emit byte for byte,
/// and each kind of mistake comes back with the message that locates it.
final class CompileCommandTests: XCTestCase {
    /// generated/NAME holds what `rdc compile Models/NAME.swift` writes (the library aside).
    func testCommittedGeneratedCodeIsReproducedExactly() throws {
        let generated = E2E.packageRoot.appendingPathComponent("generated")
        let names = try FileManager.default.contentsOfDirectory(atPath: generated.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(names, ["rd_lite0", "rd_resnet18", "rd_wrn50"])
        let out = try E2E.folder("reemit")
        for name in names {
            let model = E2E.packageRoot.appendingPathComponent("Models/\(name).swift").path
            try E2E.run(["compile", model, "--emit-only", "--out", "\(out)/\(name)"]).check()
            let committed = generated.appendingPathComponent(name)
            let files = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(out)/\(name)").sorted(), files, name)
            for file in files {
                let a = try Data(contentsOf: committed.appendingPathComponent(file))
                let b = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name)/\(file)"))
                XCTAssertTrue(a == b, "generated/\(name)/\(file) differs from a fresh emission: run `make generated`")
            }
        }
    }

    /// --loss pixel: the backward differentiates the paper's per-pixel loss, and the manifest
    /// says so (rdc train reads it there); the default is the official code's flat loss.
    func testLossChoiceIsRecorded() throws {
        let out = try E2E.folder("loss")
        for (flag, loss) in [([String](), "loss_flat"), (["--loss", "pixel"], "loss_pixel")] {
            let dir = "\(out)/\(loss)"
            try E2E.run(["compile", "rd4ad_resnet18", "--width-div", "8", "--image-size", "64", "--batch", "1", "--emit-only", "--out", dir] + flag).check()
            let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
            XCTAssertTrue(manifest.contains("\"loss\" : \"\(loss)\""), "\(flag): manifest.json lacks \"loss\" : \"\(loss)\"")
        }
        let wrong = try E2E.run(["compile", "rd4ad_resnet18", "--loss", "cosine", "--emit-only", "--out", out + "/wrong"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("flat") && wrong.stderr.contains("pixel"), wrong.stderr)
    }

    /// --out over a folder whose files of compile's names are the user's: refused, the files
    /// kept; --force writes; a folder rdc compile wrote is written again without it.
    func testOutputFolderOfTheUsersIsNotOverwritten() throws {
        let folder = try E2E.folder("users") + "/mine"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let manifest = folder + "/manifest.json"
        try Data(#"{"my": "notes"}"#.utf8).write(to: URL(fileURLWithPath: manifest))
        let compile = ["compile", "rd4ad_resnet18", "--width-div", "8", "--image-size", "64", "--batch", "1", "--emit-only", "--out", folder]
        let refused = try E2E.run(compile)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("manifest.json") && refused.stderr.contains("--force"), refused.stderr)
        XCTAssertEqual(try String(contentsOfFile: manifest, encoding: .utf8), #"{"my": "notes"}"#)
        try E2E.run(compile + ["--force"]).check()
        try E2E.run(compile).check()
    }

    func testShapeErrorInModelFileNamesTheLayer() throws {
        let file = try modelFile("wrong_embedding", """
            import DSL
            import RDGraphs

            emit(RD4AD("wrong_embedding", height: 64, width: 64, batch: 1) {
                ResNetTeacher(.resnet18)
            } ocbe: {
                OneClassEmbedding(taps: [64, 128, 256], block: .basic, blocks: 2, planes: 512)
            } decoder: {
                StudentDecoder(embedding: 256, block: .basic, layers: [2, 2, 2], planes: [256, 128, 64])
            })
            """)
        let result = try E2E.run(["compile", file, "--emit-only", "--out", try E2E.folder("bad")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("decoder.layer1.0.conv1: convT2d expects 256 input channels, got 512"),
                      result.stderr)
    }

    func testSwiftSyntaxErrorComesBackAsSwiftcDiagnostic() throws {
        let file = try modelFile("typo", """
            import DSL
            import RDGraphs
            emit(RD4AD("typo", height: 64 width: 64) {
            """)
        let result = try E2E.run(["compile", file, "--emit-only", "--out", try E2E.folder("typo")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("typo.swift:3:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("error: expected ',' separator"), result.stderr)
    }

    func testMissingCompilerNamesTheDebianPackages() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try E2E.rdc())
        process.arguments = ["compile", "rd4ad_resnet18", "--width-div", "8", "--image-size", "64", "--batch", "1",
                             "--out", try E2E.folder("nocc") + "/m"]
        process.environment = ProcessInfo.processInfo.environment.merging(["RDC_CC": "/nonexistent/clang"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(text.contains("apt-get install clang libomp-dev"), text)
    }

    private func modelFile(_ name: String, _ text: String) throws -> String {
        let path = try E2E.folder(name) + "/\(name).swift"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
