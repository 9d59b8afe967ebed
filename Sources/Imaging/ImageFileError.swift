import Foundation

/// An image file that could not be read or written: which file, and what was wrong with it.
public struct ImageFileError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
    public var errorDescription: String? { description }
}
