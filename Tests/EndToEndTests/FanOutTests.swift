import Datasets
import Foundation
import XCTest

/// rdc train --all-categories on a synthetic MVTec AD root of three categories, alone and under
/// Open MPI's mpirun with one and two ranks (one thread each, as CI runs them on one machine).
final class FanOutTests: XCTestCase {
    /// Sorted: bottle, carpet, zipper; under two ranks bottle and zipper go to rank 0, carpet to rank 1.
    static let categories = ["carpet", "zipper", "bottle"]

    /// Each category one batch of the compiled 8 training images, 4 + 4 test images, its own seed.
    private static let rootResult = Result<String, Error> {
        let root = E2E.work.appendingPathComponent("mvtec-root")
        for (i, category) in categories.enumerated() {
            try SyntheticDataset.write(to: root.appendingPathComponent(category), trainCount: 8, testNormalCount: 4,
                                       testAnomalousCount: 4, size: 64, seed: 100 + UInt64(i))
        }
        return root.path
    }

    private func mvtecRoot() throws -> String { try Self.rootResult.get() }

    private func trainArguments(data: String, out: String, epochs: Int = 2) throws -> [String] {
        ["train", "--all-categories", "--generated", try E2E.generated(), "--data", data,
         "--teacher-weights", try E2E.teacherWeights(), "--epochs", String(epochs), "--out", out]
    }

    func testTwoRanksGiveTheSameTableAsOneRankAndAsNoMPI() throws {
        let mpirun = try MPIRun.mpirun(), root = try mvtecRoot()
        let alone = try E2E.folder("alone"), one = try E2E.folder("np1"), two = try E2E.folder("np2")
        let (aloneRun, aloneSeconds) = try MPIRun.run(try E2E.rdc(), try trainArguments(data: root, out: alone), seconds: 600)
        try aloneRun.check()
        let (oneRun, oneSeconds) = try MPIRun.run(mpirun, try MPIRun.arguments(ranks: 1, try trainArguments(data: root, out: one)),
                                           seconds: 600, environment: MPIRun.asRoot)
        try oneRun.check()
        let (twoRun, twoSeconds) = try MPIRun.run(mpirun, try MPIRun.arguments(ranks: 2, try trainArguments(data: root, out: two)),
                                           seconds: 600, environment: MPIRun.asRoot)
        try twoRun.check()
        print("fan-out of 3 categories: alone \(aloneSeconds) s, mpirun -np 1 \(oneSeconds) s, -np 2 \(twoSeconds) s")

        XCTAssertTrue(twoRun.stdout.contains("rank 0: bottle, zipper; rank 1: carpet"), twoRun.stdout)
        let table = try Data(contentsOf: URL(fileURLWithPath: alone + "/categories.json"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: one + "/categories.json")), table)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: two + "/categories.json")), table)
        for category in Self.categories {
            // Each category's training is independent of the rank that ran it, to the bit.
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(two)/\(category)/last.ckpt")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(alone)/\(category)/last.ckpt")), category)
        }

        let json = try E2E.json(two + "/categories.json")
        let rows = try XCTUnwrap(json["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["category"] as? String }, ["bottle", "carpet", "zipper"])
        XCTAssertEqual((json["failed"] as? [Any])?.count, 0)
        let mean = try XCTUnwrap(json["mean"] as? [String: Any])
        for metric in ["imageAUROC", "pixelAUROC", "pro"] {
            let values = try rows.map { try XCTUnwrap($0[metric] as? Double, "\(metric) of \($0)") }
            XCTAssertEqual(try XCTUnwrap(mean[metric] as? Double), values.reduce(0, +) / 3, accuracy: 1e-12, metric)
        }
        // Each category's row is its own eval.json's overall row.
        let carpet = try XCTUnwrap((try E2E.json(two + "/carpet/eval.json")["rows"] as? [[String: Any]])?.last)
        XCTAssertEqual(carpet["imageAUROC"] as? Double, rows[1]["imageAUROC"] as? Double)
        let text = try String(contentsOfFile: two + "/categories.txt", encoding: .utf8)
        XCTAssertTrue(text.contains("mean") && text.contains("carpet"), text)
    }

    /// carpet (rank 1 of 2) cannot be read: the other categories are trained, the job ends with
    /// an error naming carpet and rank 1, and the table lists it as failed.
    func testAFailingCategoryIsReportedByNameAndRank() throws {
        let mpirun = try MPIRun.mpirun(), root = try E2E.folder("broken-root")
        try FileManager.default.removeItem(atPath: root)
        try FileManager.default.copyItem(atPath: try mvtecRoot(), toPath: root)
        try Data("not a PNG".utf8).write(to: URL(fileURLWithPath: root + "/carpet/train/good/000.png"))
        let out = try E2E.folder("broken")
        let (result, seconds) = try MPIRun.run(mpirun, try MPIRun.arguments(ranks: 2, try trainArguments(data: root, out: out)),
                                        seconds: 300, environment: MPIRun.asRoot)
        XCTAssertNotEqual(result.status, 0, result.stdout)
        let said = result.stdout + result.stderr
        XCTAssertTrue(said.contains("1 of 3 categories failed: carpet (rank 1): "), said)
        XCTAssertTrue(said.contains("carpet/train/good/000.png"), said)
        let json = try E2E.json(out + "/categories.json")
        XCTAssertEqual((json["rows"] as? [[String: Any]])?.map { $0["category"] as? String }, ["bottle", "zipper"])
        let failed = try XCTUnwrap((json["failed"] as? [[String: Any]])?.first)
        XCTAssertEqual(failed["category"] as? String, "carpet")
        XCTAssertEqual(failed["rank"] as? Int, 1)
        XCTAssertNil((json["mean"] as? [String: Any])?["imageAUROC"] as? Double, "a mean without carpet")
        print("fan-out with a broken category: \(seconds) s")
    }

    /// A rank killed in the middle of training ends the whole job within seconds, mpirun naming it.
    func testAKilledRankEndsTheJob() throws {
        let mpirun = try MPIRun.mpirun(), out = try E2E.folder("killed")
        let arguments = try MPIRun.arguments(ranks: 2, try trainArguments(data: try mvtecRoot(), out: out, epochs: 100000))
        let (process, stdout, stderr) = try E2E.start(arguments, program: mpirun, environment: MPIRun.asRoot)
        // Rank 1 trains carpet; its run lock holds its pid.
        let lock = out + "/carpet/.lock", started = Date()
        var pid: pid_t?
        while pid == nil && process.isRunning && Date().timeIntervalSince(started) < 120 {
            pid = (try? String(contentsOfFile: lock, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            usleep(100_000)
        }
        guard let pid else {
            process.terminate()
            return XCTFail("rank 1 never started training carpet:\n\(E2E.output(of: process, arguments: arguments, out: stdout, err: stderr))")
        }
        kill(pid, SIGKILL)
        let killed = Date()
        while process.isRunning && Date().timeIntervalSince(killed) < 30 { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let result = E2E.output(of: process, arguments: arguments, out: stdout, err: stderr)
        XCTAssertLessThan(Date().timeIntervalSince(killed), 30, "the job went on after rank 1 died")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue((result.stdout + result.stderr).contains("rank 1"), result.stdout + result.stderr)
    }

    /// Ranks given different arguments refuse to start, each differing rank saying how.
    func testRanksStartedDifferentlyRefuse() throws {
        let mpirun = try MPIRun.mpirun(), out = try E2E.folder("differ")
        let first = try trainArguments(data: try mvtecRoot(), out: out, epochs: 2)
        let second = try trainArguments(data: try mvtecRoot(), out: out, epochs: 3)
        let (result, _) = try MPIRun.run(mpirun, try MPIRun.arguments(ranks: 1, first) + [":", "-np", "1", try E2E.rdc()] + second,
                                  seconds: 60, environment: MPIRun.asRoot)
        XCTAssertNotEqual(result.status, 0)
        let said = result.stdout + result.stderr
        XCTAssertTrue(said.contains("rank 1 started with settings"), said)
        XCTAssertTrue(said.contains("\"epochs\":3") && said.contains("\"epochs\":2"), said)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/bottle"), "a rank started training")
    }

    /// The rdc binary does not link libmpi, and a training started without mpirun never loads it.
    func testSingleProcessTrainingNeedsNoMPI() throws {
        let readelf = try E2E.run(["-d", try E2E.rdc()], program: "/usr/bin/readelf").check()
        XCTAssertTrue(readelf.stdout.contains("(NEEDED)"), readelf.stdout)
        XCTAssertFalse(readelf.stdout.contains("libmpi"), readelf.stdout)

        let out = try E2E.folder("no-mpi")
        let train = try E2E.run(["train", "--generated", try E2E.generated(), "--data", try mvtecRoot() + "/bottle",
                                 "--teacher-weights", try E2E.teacherWeights(), "--epochs", "1", "--out", out],
                                environment: ["LD_DEBUG": "libs"]).check()  // glibc names every library it loads
        XCTAssertTrue(train.stderr.contains("libpng"), "LD_DEBUG said nothing: \(train.stderr.suffix(2000))")
        XCTAssertFalse(train.stderr.contains("libmpi"), train.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/last.ckpt"))
    }
}
