import Foundation
import ArgumentParser
import DSL
import RDGraphs

/// "HxW" or a single number for square images.
struct ImageSize: ExpressibleByArgument {
    var height: Int
    var width: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x").map { Int($0) }
        switch parts.count {
        case 1: guard let s = parts[0] else { return nil }; (height, width) = (s, s)
        case 2: guard let h = parts[0], let w = parts[1] else { return nil }; (height, width) = (h, w)
        default: return nil
        }
    }
}

/// Which model and at which size, shared by the commands that build a graph: a model file
/// (compiled and run, see ModelFileCompiler) or a zoo model.
struct ModelOptions: ParsableArguments {
    @Argument(help: "A model file (*.swift, see Models/) or a zoo model: \(Zoo.names.joined(separator: ", ")) (or resnet18, wrn50, lite0, ...).")
    var model: String

    @Option(name: .customLong("image-size"), parsing: .unconditional, help: "Input size HxW (or one number), multiples of 32; overrides the model's.")
    var imageSize: ImageSize?

    @Option(parsing: .unconditional, help: "Batch size; overrides the model's.")
    var batch: Int?

    @Option(name: .customLong("width-div"), parsing: .unconditional, help: "Zoo models only: divide every channel count by this (small test models).")
    var widthDiv: Int = 1

    @Option(name: .customLong("model-timeout"), parsing: .unconditional,
            help: "Model files only: seconds the compiled model file may run before it is stopped (default 120).")
    var modelTimeout: Double = 120

    func validate() throws {
        guard modelTimeout > 0 && modelTimeout.isFinite else {
            throw ValidationError("--model-timeout \(modelTimeout): expected a positive number of seconds")
        }
        guard !model.hasSuffix(".swift") else { return }
        let divisors = try Zoo.widthDivisors(model)
        guard divisors.contains(widthDiv) else {
            throw ValidationError("--width-div \(widthDiv) does not divide every channel count of \(model); "
                                  + "use one of \(divisors.map(String.init).joined(separator: ", "))")
        }
    }

    func graph() throws -> Graph {
        if model.hasSuffix(".swift") {
            let compiler = try ModelFileCompiler.beside(executable: URL(fileURLWithPath: "/proc/self/exe"))
            return try compiler.graph(of: model, batch: batch, height: imageSize?.height, width: imageSize?.width,
                                      timeout: modelTimeout)
        }
        let m = try Zoo.model(model, widthDiv: widthDiv)
        return try m.graph(batch: batch ?? m.batch, height: imageSize?.height ?? m.height,
                           width: imageSize?.width ?? m.width)
    }
}
