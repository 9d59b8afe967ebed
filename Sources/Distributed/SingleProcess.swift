import Foundation

/// The job of one process (rdc started without mpirun): rank 0 of 1, collectives that leave
/// the data as it is, no MPI library loaded.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard root == 0 else { throw CommunicatorError("broadcast from rank \(root) in a job of one process") }
    }
    public func barrier() throws {}
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data("rdc: \(message)\n".utf8))
        exit(1)
    }
    public func finalize() throws {}
}
