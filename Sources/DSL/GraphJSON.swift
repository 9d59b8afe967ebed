import Foundation

extension Graph {
    /// The IR as JSON, the hand-over format between a model file's process and rdc.
    /// Keys are sorted so the same graph always gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    public func jsonString() throws -> String { String(decoding: try jsonData(), as: UTF8.self) }

    public init(json: Data) throws { self = try JSONDecoder().decode(Graph.self, from: json) }
}
