import TorchFiles
import XCTest

final class StateDictCheckTests: XCTestCase {
    private func student() throws -> StateDict {
        try TorchFile.load(try TestData.golden("rd_r18_b2_64", "student_init.pth"))
    }

    func testMatchingDictPasses() throws {
        let dict = try student()
        try dict.check(against: dict.keys.map { ($0, dict[$0]?.shape ?? []) })
        let decoder = dict.subdict("decoder")
        try dict.check(against: decoder.keys.map { ($0, decoder[$0]?.shape ?? []) }, prefix: "decoder")
    }

    func testReportsEveryProblemAtOnce() throws {
        let dict = try student()
        let decoder = dict.subdict("decoder.")
        var expected = decoder.keys.map { (name: $0, shape: decoder[$0]?.shape ?? []) }
        let unexpected = expected.removeLast().name
        expected[0].shape = [1, 2, 3]
        expected.append((name: "layer9.weight", shape: [4]))

        let error = torchFileError { try dict.check(against: expected, prefix: "decoder.") }
        XCTAssertEqual(error?.kind, .mismatch)
        let text = error?.description ?? ""
        XCTAssert(text.hasPrefix(dict.file + ": state dict mismatch: 3 tensors under 'decoder.' do not match"), text)
        XCTAssert(text.contains("missing     decoder.layer9.weight (expected [4])"), text)
        XCTAssert(text.contains("wrong shape decoder.\(decoder.keys[0]): expected [1, 2, 3], found \(decoder[decoder.keys[0]]?.shape ?? [])"), text)
        XCTAssert(text.contains("unexpected  decoder.\(unexpected) (found []"), text)
    }

    func testFloatAccessor() throws {
        let dict = try student()
        XCTAssertEqual(try dict.float("bn.bn_layer.0.conv1.weight").shape, [64, 96, 3, 3])
        XCTAssertEqual(torchFileError { try dict.float("bn.bn_layer.0.bn1.num_batches_tracked") }?.kind, .mismatch)
        XCTAssert(torchFileError { try dict.float("nope") }?.description.contains("no tensor 'nope'") ?? false)
    }
}
