import ArgumentParser
import Checkpoints
import DSL
import Foundation
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's weights in the compiled library's layout, for C programs (examples/score_png.c).",
        discussion: """
        The file holds every parameter and buffer of the library's tensor table, in table \
        order, as float32, each with its name and element count (see WeightsFile in \
        Sources/Training): read it into rdc_tensor() and call rdc_forward_eval().
        """)

    @OptionGroup var weights: WeightsOptions

    @Option(help: "The weights file to write.")
    var out: String

    @Flag(help: "Replace --out even if it is not an rdc weights file.")
    var force = false

    func run() throws {
        try OutputFile(flag: "--out", path: out, kind: "an rdc weights file",
                       isOwnKind: { fileHead($0, count: WeightsFile.magic.count) == WeightsFile.magic })
            .check(inputs: weights.inputFiles, force: force)
        let (model, _) = try weights.open()
        let data = try WeightsFile.data(of: model)
        try AtomicFile.write(data, to: out)
        print("wrote \(out): \(data.count) bytes for \(model.library.modelName)")
    }
}
