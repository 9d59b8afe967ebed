/// A problem training, evaluation or inference cannot get past; `description` is a
/// complete message for the user, naming the file or setting concerned.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
