import ArgumentParser
import DSL
import TorchFiles

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a model's table: layer path, op, output shape, parameters, FLOPs; totals per role.")

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("teacher-weights"), help: "A teacher .pth file to load and check against the model.")
    var teacherWeights: String?

    @Option(name: .customLong("student-weights"), help: "An official RD4AD checkpoint ({'bn': ..., 'decoder': ...}) to check.")
    var studentWeights: String?

    @Flag(help: "Print the graph IR as JSON instead.")
    var json = false

    func run() throws {
        let graph = try model.graph()
        if json {
            print(try graph.jsonString())
            return
        }
        print("\(graph.name)  input \(graph.nodes[0].shape)")
        print(graph.describeTable(), terminator: "")
        if let teacherWeights {
            let loaded = try ModelWeights.teacher(graph: graph, file: teacherWeights)
            print("\nteacher weights \(teacherWeights): \(loaded.count) tensors, "
                  + "\(loaded.values.map(\.count).reduce(0, +)) values; every name and shape matches")
        }
        if let studentWeights {
            let loaded = try ModelWeights.student(graph: graph, file: studentWeights)
            print("student weights \(studentWeights): \(loaded.count) tensors; every name and shape matches")
        }
    }
}
