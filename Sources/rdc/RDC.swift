import ArgumentParser
import DSL

@main
struct RDC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdc",
        abstract: "Reverse Distillation anomaly detection, compiled.",
        subcommands: [Describe.self, Compile.self, Kernels.self, Train.self, Evaluate.self, Infer.self, Export.self,
                      ImportCheckpoint.self, Bench.self])

    /// ArgumentParser's main, except that a file-system error any command lets through is
    /// said as a sentence (FileProblem) instead of Foundation's "NSCocoaErrorDomain error 512",
    /// and that SIGINT and SIGTERM end rdc's children with it (ChildProcesses).
    static func main() {
        ChildProcesses.endWithRdc()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: FileProblem(error) ?? error)
        }
    }
}
