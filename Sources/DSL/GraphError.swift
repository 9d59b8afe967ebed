/// An error found while a graph is built; `path` is the dotted layer path.
public struct GraphError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path; self.message = message
    }

    public var description: String { "\(path.isEmpty ? "<model>" : path): \(message)" }
}
