import ArgumentParser
import Checkpoints
import Foundation
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

    @Flag(help: "Replace --out even if it is not an rdc checkpoint.")
    var force = false

    func run() throws {
        let folder = (try? FileManager.default.contentsOfDirectory(atPath: generated)) ?? []
        try OutputFile(flag: "--out", path: out, kind: "an rdc checkpoint", isOwnKind: Checkpoint.isCheckpoint)
            .check(inputs: [file, teacherWeights] + folder.map { generated + "/" + $0 }, force: force)
        let model = try GeneratedModel(directory: generated)
        try ModelState.open(file, teacherWeights: teacherWeights, for: model).write(to: out)
        print("wrote \(out): \(model.graph.name) from \(file) and \(teacherWeights)")
    }
}
