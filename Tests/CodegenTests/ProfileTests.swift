import Codegen
import ModelRuntime
import Foundation
import XCTest

/// The per-kernel profile every library exports (rdc_profile_* in templates/rdc_abi.h): one
/// row per kernel of manifest.json, in its order, counting the calls of the entry points.
final class ProfileTests: XCTestCase {
    func testProfileCountsEveryKernelCall() throws {
        let graph = try TinyGraphs.residual()
        let a = try Codegen.compile(graph: graph, name: "profiled", outDir: try generatedDirectory(self))
        let model = try CompiledModel(libraryPath: try XCTUnwrap(a.library))
        let handle = try XCTUnwrap(dlopen(a.library!, RTLD_NOW | RTLD_NOLOAD))
        func symbol<T>(_ name: String, _: T.Type) throws -> T { unsafeBitCast(try XCTUnwrap(dlsym(handle, name), name), to: T.self) }
        let count = try symbol("rdc_profile_count", (@convention(c) () -> Int32).self)
        let name = try symbol("rdc_profile_name", (@convention(c) (Int32) -> UnsafePointer<CChar>?).self)
        let family = try symbol("rdc_profile_family", (@convention(c) (Int32) -> UnsafePointer<CChar>?).self)
        let flops = try symbol("rdc_profile_flops", (@convention(c) (Int32) -> Int64).self)
        let calls = try symbol("rdc_profile_calls", (@convention(c) (Int32) -> Int64).self)
        let seconds = try symbol("rdc_profile_seconds", (@convention(c) (Int32) -> Double).self)
        let reset = try symbol("rdc_profile_reset", (@convention(c) () -> Void).self)

        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: a.manifest))) as! [String: Any]
        let kernels = manifest["kernels"] as! [[String: Any]]
        XCTAssertEqual(Int(count()), kernels.count)
        for (i, k) in kernels.enumerated() {
            XCTAssertEqual(String(cString: try XCTUnwrap(name(Int32(i)))), k["name"] as? String)
            XCTAssertEqual(Int(flops(Int32(i))), k["flops"] as? Int)
        }
        XCTAssertNil(name(count()))
        let families = Set((0..<count()).map { String(cString: family($0)!) })
        XCTAssertTrue(families.isSubset(of: ["conv3x3_fwd", "conv3x3_bwd_data", "conv3x3_bwd_weights", "conv1x1_fwd",
                                             "conv1x1_bwd_data", "conv1x1_bwd_weights", "convT2x2", "depthwise",
                                             "batchnorm", "elementwise", "other"]), "\(families)")

        reset()
        try model.forwardTrain()
        try model.forwardTrain()
        let ran = (0..<count()).filter { calls($0) > 0 }
        XCTAssertFalse(ran.isEmpty)
        for i in ran {
            // The teacher's BatchNorm folds run once, before the first forward.
            let kernel = String(cString: name(i)!)
            XCTAssertEqual(calls(i), kernel.hasSuffix("_fold") ? 1 : 2, kernel)
            XCTAssertGreaterThanOrEqual(seconds(i), 0)
        }
        reset()
        XCTAssertTrue((0..<count()).allSatisfy { calls($0) == 0 && seconds($0) == 0 })
    }
}
