import Foundation
import XCTest

/// Open MPI's collectives as MPICommunicator calls them, on two ranks (Tests/CommunicatorCheck).
final class CommunicatorCheckTests: XCTestCase {
    func testEveryCollectiveOnTwoRanks() throws {
        let mpirun = "/usr/bin/mpirun"
        guard FileManager.default.isExecutableFile(atPath: mpirun) else {
            throw XCTSkip("mpirun is not installed (make test installs Open MPI: scripts/install-test-deps.sh)")
        }
        let check = URL(fileURLWithPath: try E2E.rdc()).deletingLastPathComponent().appendingPathComponent("communicator-check").path
        let result = try E2E.run(["--oversubscribe", "-np", "2", check], program: mpirun,
                                 environment: ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]).check()
        XCTAssertTrue(result.stdout.contains("communicator: 2 ranks, every check holds"), result.stdout + result.stderr)
        print(result.stdout)
    }
}
