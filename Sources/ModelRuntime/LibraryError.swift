/// Why a compiled library could not be loaded or used.
public struct LibraryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
