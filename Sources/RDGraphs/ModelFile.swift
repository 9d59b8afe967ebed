import DSL
import Foundation

/// The entry point of a model file (`rdc compile model.swift`): rdc compiles the file against
/// this library, runs it, and reads the graph IR it prints. Sizes given to `rdc compile`
/// arrive as RDC_BATCH / RDC_HEIGHT / RDC_WIDTH and override the file's own.
public func emit(_ model: RD4AD) {
    let env = ProcessInfo.processInfo.environment
    func size(_ key: String, _ fallback: Int) -> Int { env[key].flatMap { Int($0) } ?? fallback }
    do {
        let graph = try model.graph(batch: size("RDC_BATCH", model.batch), height: size("RDC_HEIGHT", model.height),
                                    width: size("RDC_WIDTH", model.width))
        FileHandle.standardOutput.write(try graph.jsonData())
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(65)
    }
}
