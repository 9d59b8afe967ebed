import Checkpoints
import ModelRuntime
import DSL
import Foundation

/// A folder `rdc compile` wrote (NAME.c, NAME.h, manifest.json, graph.json, libNAME.so),
/// opened: the graph IR it was compiled from and the library loaded. The graph gives the
/// roles and the fingerprint checkpoints are checked against; the library runs the model.
public final class GeneratedModel {
    public let graph: Graph
    public let library: CompiledModel
    /// The compiled input geometry: every call takes batches of exactly this shape.
    public let batch: Int
    public let height: Int
    public let width: Int
    /// The loss the library's backward differentiates (manifest.json's "loss"; loss_flat in
    /// folders compiled before it was recorded).
    public let loss: String

    public init(directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        let graphURL = dir.appendingPathComponent("graph.json")
        let libraryURL = dir.appendingPathComponent("lib\(dir.lastPathComponent).so")
        for (url, what) in [(graphURL, "the graph IR"), (libraryURL, "the compiled library")]
        where !FileManager.default.fileExists(atPath: url.path) {
            throw TrainingError("\(url.path) not found (\(what)): is \(directory) a folder `rdc compile` wrote? "
                                + "e.g. rdc compile rd4ad_lite0 --out \(directory)")
        }
        do {
            graph = try Graph(json: try Data(contentsOf: graphURL))
        } catch {
            throw TrainingError("\(graphURL.path): not a graph IR rdc can read (\(error)); recompile the model")
        }
        library = try CompiledModel(libraryPath: libraryURL.path)
        let input = graph.nodes[0].shape.dims
        let compiled = try library.info(named: "input").shape
        guard input == compiled else {
            throw TrainingError("\(directory): graph.json has input \(input) but the library \(compiled); recompile the model")
        }
        (batch, height, width) = (input[0], input[2], input[3])
        loss = Self.loss(in: dir.appendingPathComponent("manifest.json"))
    }

    private static func loss(in manifest: URL) -> String {
        struct Recorded: Decodable { var loss: String? }
        let data = try? Data(contentsOf: manifest)
        return data.flatMap { try? JSONDecoder().decode(Recorded.self, from: $0).loss } ?? "loss_flat"
    }

    public var fingerprint: ModelFingerprint { ModelFingerprint(graph) }

    /// The compiled graph IR of `directory` named with its CRC-32: the fact that ranks of one
    /// job compare to know that they loaded the same model (batch and input size included).
    public static func graphFact(directory: String) throws -> String {
        let graph = directory + "/graph.json"
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: graph)) } catch { throw FileProblem(error) ?? error }
        return "compiled graph \(graph) CRC32 \(String(bytes.withUnsafeBytes { CRC32.checksum($0) }, radix: 16))"
    }
}
