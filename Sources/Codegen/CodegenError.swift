/// Why a graph could not be compiled, or a compiled library not used.
public struct CodegenError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
