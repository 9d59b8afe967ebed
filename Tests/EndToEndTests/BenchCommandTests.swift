import XCTest

/// `rdc bench` as a user meets it.
final class BenchCommandTests: XCTestCase {
    /// Its C programs (bench/) are found from any working folder: E2E runs rdc in a temporary one.
    func testBenchRunsFromAnyFolder() throws {
        let result = try E2E.run(["bench", "--what", "fma-peak", "--json"]).check()
        XCTAssertTrue(result.stdout.contains("\"what\":\"fma_peak\""), result.stdout)
    }
}
