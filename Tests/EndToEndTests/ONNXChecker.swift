import DSL
import Foundation
import XCTest

/// onnxruntime in .venv-onnx (scripts/install-onnx-checker.sh, run by make test) driven
/// through scripts/onnx-checker.py: the independent runtime `rdc export --onnx` is checked on.
enum ONNXChecker {
    struct Result {
        /// [N, H, W] row-major.
        var maps: [Float]
        var scores: [Float]
        /// report.json: inputs, outputs, producer, metadata, latency_ms.
        var report: [String: Any]
    }

    static func python() throws -> String {
        let path = E2E.packageRoot.appendingPathComponent(".venv-onnx/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("\(path) is missing: bash scripts/install-onnx-checker.sh installs onnxruntime (make test runs it)")
        }
        return path
    }

    /// Runs `model` on `images` [N, 3, H, W] in onnxruntime; `latencyRuns` > 0 also times one image.
    static func run(model: String, images: HostTensor, threads: Int = 0, latencyRuns: Int = 0) throws -> Result {
        let dir = try E2E.folder("onnxruntime")
        let input = dir + "/images.f32"
        try float32(images.values).write(to: URL(fileURLWithPath: input))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python())
        process.arguments = [E2E.packageRoot.appendingPathComponent("scripts/onnx-checker.py").path, model, input, dir,
                             "--threads", String(threads), "--latency-runs", String(latencyRuns)]
        let log = URL(fileURLWithPath: dir + "/log.txt")
        try Data().write(to: log)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw E2E.Failure("onnx-checker.py exited \(process.terminationStatus):\n" + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
        }
        return Result(maps: try floats(dir + "/anomaly_map.f32"), scores: try floats(dir + "/score.f32"),
                      report: try E2E.json(dir + "/report.json"))
    }

    static func float32(_ values: [Float]) -> Data {
        values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }
    }

    static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return stride(from: 0, to: data.count, by: 4).map { offset in
            Float(bitPattern: data[offset..<(offset + 4)].enumerated()
                .reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
        }
    }
}
