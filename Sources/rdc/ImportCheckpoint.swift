import ArgumentParser
import Training

struct ImportCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-checkpoint",
        abstract: "Convert an official RD4AD checkpoint ({'bn', 'decoder'}, .pth) and the teacher's weights to an rdc checkpoint.")

    @Option(help: "The folder `rdc compile` wrote.")
    var generated: String

    @Option(name: .customLong("teacher-weights"), help: "The teacher's weights (.pth).")
    var teacherWeights: String

    @Argument(help: "The official checkpoint (.pth).")
    var file: String

    @Option(help: "The rdc checkpoint to write.")
    var out: String

    func run() throws {
        let model = try GeneratedModel(directory: generated)
        try ModelState.open(file, teacherWeights: teacherWeights, for: model).write(to: out)
        print("wrote \(out): \(model.graph.name) from \(file) and \(teacherWeights)")
    }
}
