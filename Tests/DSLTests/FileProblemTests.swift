import DSL
import Foundation
import XCTest

/// The causes a user meets most, as sentences (read-only and permission cases cannot be
/// staged in a test that may run as root, so they are checked from their errno).
final class FileProblemTests: XCTestCase {
    func testErrnosBecomeSentencesNamingThePath() {
        XCTAssertEqual("\(FileProblem(errno: EROFS, path: "/mnt/out/r.json", writing: true))",
                       "cannot write /mnt/out/r.json: the file system is read-only")
        XCTAssertEqual("\(FileProblem(errno: EACCES, path: "/srv/out/r.json", writing: true))",
                       "cannot write /srv/out/r.json: no permission to write in /srv/out (the folder is read-only or someone else's)")
        XCTAssertEqual("\(FileProblem(errno: EISDIR, path: "/tmp", writing: false))", "cannot read /tmp: it is a folder, not a file")
        XCTAssertEqual("\(FileProblem(errno: ENOENT, path: "/no/such/folder/x", writing: true))",
                       "cannot write /no/such/folder/x: the folder /no/such/folder does not exist")
    }

    func testFoundationErrorsAreRecognized() throws {
        XCTAssertThrowsError(try Data(contentsOf: URL(fileURLWithPath: NSTemporaryDirectory()))) { error in
            XCTAssertEqual(FileProblem(error)?.reason, "it is a folder, not a file")
        }
        XCTAssertNil(FileProblem(CocoaError(.coderInvalidValue)))
    }
}
