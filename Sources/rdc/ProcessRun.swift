import Foundation

struct ProcessResult {
    var status: Int32
    var stdout: Data
    var stderr: String
}

/// Runs a program to completion. Its stderr goes to a temporary file, so a chatty child
/// can never block on a full pipe while we read stdout.
func runToCompletion(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-stderr-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
        throw ModelFileCompiler.Failure(description: "cannot create \(errURL.path)")
    }
    defer { try? FileManager.default.removeItem(at: errURL) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return ProcessResult(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}
