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

    static func build(source: String, library: String) throws {
        let cc = path
        guard FileManager.default.isExecutableFile(atPath: cc) else {
            throw CodegenError("C compiler \(cc) not found: apt-get install clang libomp-dev (or set RDC_CC)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: cc)
        process.arguments = flags + ["-o", library, source, "-lm"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let hint = text.contains("omp.h") || text.contains("-lomp") ? "\nOpenMP is missing: apt-get install clang libomp-dev" : ""
            throw CodegenError("\(cc) failed (status \(process.terminationStatus)) on \(source):\n\(text)\(hint)")
        }
    }
}
