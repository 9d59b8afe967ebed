import Distributed
import XCTest

/// What every rank computes alike, and the job of one process.
final class CommunicatorTests: XCTestCase {
    func testRoundRobinDealsItemIToRankIModN() {
        let items = ["a", "b", "c", "d", "e"]
        XCTAssertEqual(RoundRobin.share(of: items, rank: 0, ranks: 2), ["a", "c", "e"])
        XCTAssertEqual(RoundRobin.share(of: items, rank: 1, ranks: 2), ["b", "d"])
        XCTAssertEqual(RoundRobin.share(of: items, rank: 5, ranks: 6), [], "more ranks than items: some idle")
        let all = (0..<3).flatMap { RoundRobin.share(of: items, rank: $0, ranks: 3) }
        XCTAssertEqual(all.sorted(), items, "every item on exactly one rank")
    }

    func testASingleProcessIsAJobOfOne() throws {
        let single = SingleProcess()
        XCTAssertEqual([single.rank, single.size], [0, 1])
        var values: [Double] = [1.5, -2]
        try values.withUnsafeMutableBufferPointer { try single.allreduceSum($0) }
        XCTAssertEqual(values, [1.5, -2])
        XCTAssertEqual(try single.allGather([1, 2, 3]), [[1, 2, 3]])
        XCTAssertEqual(single.share(of: [1, 2, 3]), [1, 2, 3])
        XCTAssertThrowsError(try single.broadcast([1], root: 1))
        XCTAssertNoThrow(try single.checkAgreement(on: ["settings x", "categories a, b"]))
    }

    func testNoMPIWithoutALauncher() throws {
        XCTAssertFalse(Launch.isUnderMPI([:]))
        XCTAssertTrue(try Launch.communicator([:]) is SingleProcess)
        XCTAssertTrue(Launch.isUnderMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(Launch.isUnderMPI(["PMIX_RANK": "0"]))
        XCTAssertEqual(Launch.ranksStarted(["OMPI_COMM_WORLD_SIZE": "4"]), 4)
    }
}
