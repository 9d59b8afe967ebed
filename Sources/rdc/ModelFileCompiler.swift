import DSL
import Foundation

/// Turns a model file into a graph the way SwiftPM treats Package.swift: compile it with
/// swiftc against the DSL and RDGraphs modules that ship beside rdc, run it, read the IR it
/// prints. Swift errors come back as swiftc's own diagnostics; DSL errors as the DSL's message.
struct ModelFileCompiler {
    /// Folder with `Modules/DSL.swiftmodule` and `libRDCModel.so`: rdc's own build folder.
    var libraryDir: URL

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func beside(executable: URL) throws -> ModelFileCompiler {
        let env = ProcessInfo.processInfo.environment["RDC_MODEL_LIB_DIR"].map { URL(fileURLWithPath: $0) }
        let dir = env ?? executable.resolvingSymlinksInPath().deletingLastPathComponent()
        let fm = FileManager.default
        guard fm.fileExists(atPath: dir.appendingPathComponent("Modules/DSL.swiftmodule").path),
              fm.fileExists(atPath: dir.appendingPathComponent("libRDCModel.so").path) else {
            throw Failure(description: "the DSL modules are not beside rdc in \(dir.path) (expected Modules/DSL.swiftmodule "
                          + "and libRDCModel.so; build with `swift build -c release` or set RDC_MODEL_LIB_DIR)")
        }
        return ModelFileCompiler(libraryDir: dir)
    }

    /// The graph `modelFile` prints, run for at most `timeout` seconds (a model file is a
    /// program: it may loop).
    func graph(of modelFile: String, batch: Int?, height: Int?, width: Int?, timeout: Double) throws -> Graph {
        guard FileManager.default.fileExists(atPath: modelFile) else {
            throw Failure(description: "\(modelFile): no such model file")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        ChildProcesses.removeOnSignal(work)
        defer { ChildProcesses.remove(work) }
        let binary = work.appendingPathComponent("model")
        let lib = libraryDir.path
        let swiftc = try runToCompletion(findTool("swiftc"), ["-I", "\(lib)/Modules", "-L", lib, "-lRDCModel",
                                                  "-Xlinker", "-rpath", "-Xlinker", lib,
                                                  "-module-name", "ModelFile", modelFile, "-o", binary.path])
        guard swiftc.status == 0 else {
            throw Failure(description: swiftc.stderr.isEmpty ? "swiftc failed on \(modelFile)" : swiftc.stderr)
        }
        var env = ProcessInfo.processInfo.environment
        if let batch { env["RDC_BATCH"] = String(batch) }
        if let height { env["RDC_HEIGHT"] = String(height) }
        if let width { env["RDC_WIDTH"] = String(width) }
        let result: ProcessResult
        do {
            result = try runToCompletion(binary.path, [], environment: env, timeout: timeout)
        } catch let e as TimedOut {
            throw Failure(description: "\(modelFile) did not finish within \(e.seconds) seconds and was stopped "
                          + "(a model file is a program: does it loop? --model-timeout sets the limit)")
        }
        guard result.status == 0 else {
            throw Failure(description: "\(modelFile): " + result.stderr.replacingOccurrences(of: "error: ", with: ""))
        }
        do {
            return try Graph(json: result.stdout)
        } catch {
            throw Failure(description: "\(modelFile) printed no graph (does it call emit(model)?): \(error)")
        }
    }

    private func findTool(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") + ["/opt/swift/usr/bin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Failure(description: "\(name) not found on PATH; model files need the Swift toolchain")
    }
}
