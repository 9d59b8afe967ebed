import ArgumentParser

@main
struct RDC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rdc",
        abstract: "Reverse Distillation anomaly detection, compiled.",
        subcommands: [Describe.self, Compile.self, Kernels.self, Train.self, Evaluate.self, Infer.self, Export.self,
                      ImportCheckpoint.self, Bench.self])
}
