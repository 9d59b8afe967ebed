import ArgumentParser
import DSL

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a model's table: layer path, op, output shape, parameters, FLOPs; totals per role.")

    @OptionGroup var model: ModelOptions

    @Flag(help: "Print the graph IR as JSON instead.")
    var json = false

    func run() throws {
        let graph = try model.graph()
        if json {
            print(try graph.jsonString())
        } else {
            print("\(graph.name)  input \(graph.nodes[0].shape)")
            print(graph.describeTable(), terminator: "")
        }
    }
}
