import Foundation

/// A child that ran past its time and was killed.
struct TimedOut: Error {
    var seconds: Double
}

struct ProcessResult {
    var status: Int32
    var stdout: Data
    var stderr: String
}

/// Runs a program to completion, or until `timeout` seconds have passed (then it and its
/// process group are killed and `timedOut` is thrown). Its stderr goes to a temporary file,
/// so a chatty child can never block on a full pipe while we read stdout. rdc's signals end
/// it too (ChildProcesses).
func runToCompletion(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                     timeout: Double? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-stderr-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
        throw ModelFileCompiler.Failure(description: "cannot create \(errURL.path)")
    }
    ChildProcesses.removeOnSignal(errURL)
    defer { ChildProcesses.remove(errURL) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    ChildProcesses.started(process)
    defer { ChildProcesses.finished(process) }
    let expired = DispatchWorkItem { ChildProcesses.kill(process) }
    if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: expired) }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    expired.cancel()
    if let timeout, process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
        throw TimedOut(seconds: timeout)
    }
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return ProcessResult(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errData, as: UTF8.self))
}
