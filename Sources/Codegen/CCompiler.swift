import Foundation

/// Builds the generated C into a shared library with the system's clang and OpenMP.
enum CCompiler {
    static let defaultPath = "/usr/bin/clang"
    /// -fno-math-errno: nothing reads errno, and with it set sqrtf stays a library call that no
    /// loop around it can vectorize (the Adam update: 27 ms -> 8 for ResNet18).
    static let flags = ["-O3", "-march=native", "-fopenmp", "-fno-math-errno", "-shared", "-fPIC"]

    /// `RDC_CC` overrides the compiler (Swift's own clang has no omp.h).
    static var path: String {
        ProcessInfo.processInfo.environment["RDC_CC"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath
    }

    /// Builds `library` from `source`; with `teacherUnit`, from its two units (EmitC.source):
    /// each compiled to an object at once, then linked.
    static func build(source: String, library: String, teacherUnit: Bool = false) throws {
        let cc = path
        guard FileManager.default.isExecutableFile(atPath: cc) else {
            throw CodegenError("C compiler \(cc) not found: apt-get install clang libomp-dev (or set RDC_CC)")
        }
        guard teacherUnit else { return try finish(start(cc, flags + ["-o", library, source, "-lm"]), cc, on: source) }
        let objects = [library + ".teacher.o", library + ".main.o"]
        defer { for o in objects { try? FileManager.default.removeItem(atPath: o) } }
        let units = try [["-DRDC_TEACHER_UNIT", "-c", source, "-o", objects[0]], ["-c", source, "-o", objects[1]]]
            .map { try start(cc, unitFlags + $0) }
        for unit in units { try finish(unit, cc, on: source) }
        try finish(start(cc, flags + ["-o", library] + objects + ["-lm"]), cc, on: source)
    }

    /// flags without the linking one, for an object.
    private static var unitFlags: [String] { flags.filter { $0 != "-shared" } }

    /// A running compiler, its output going to a file (a pipe could fill and stall it).
    private static func start(_ cc: String, _ arguments: [String]) throws -> (Process, URL) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-cc-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cc)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    private static func finish(_ run: (Process, URL), _ cc: String, on source: String) throws {
        let (process, log) = run
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: log) }
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let hint = text.contains("omp.h") || text.contains("-lomp") ? "\nOpenMP is missing: apt-get install clang libomp-dev" : ""
            throw CodegenError("\(cc) failed (status \(process.terminationStatus)) on \(source):\n\(text)\(hint)")
        }
    }
}
