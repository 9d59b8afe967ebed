import Foundation

/// The ranks of one job and the collective operations between them: every rank calls the
/// same collectives in the same order (a rank that skips one leaves the others waiting, so
/// an error between collectives goes to `abort`, which ends every rank). Sums and
/// broadcasts work in place on the caller's memory, without copies, so that gradients can
/// be reduced where the kernels left them.
public protocol Communicator: AnyObject {
    /// This process's rank, 0..<size.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values` on every rank by their sum over the ranks (element by element).
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Copies rank `root`'s bytes into `bytes` on every other rank; every rank gives the same count.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    func barrier() throws
    /// Ends every rank of the job, after printing `message` (prefixed with this rank) on stderr.
    func abort(_ message: String) -> Never
    /// The last call on a communicator; collectives after it are errors.
    func finalize() throws
}

public struct CommunicatorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Communicator {
    /// Rank `root`'s bytes, of any length, on every rank.
    public func broadcast(_ bytes: [UInt8], root: Int) throws -> [UInt8] {
        var count = UInt64(bytes.count)
        try withUnsafeMutableBytes(of: &count) { try broadcast($0, root: root) }
        guard let length = Int(exactly: count) else {
            throw CommunicatorError("rank \(root) broadcast \(count) bytes: more than this rank can hold")
        }
        var received = rank == root ? bytes : [UInt8](repeating: 0, count: length)
        try received.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return received
    }

    /// Every rank's bytes, in rank order, on every rank (one broadcast per rank: for the few
    /// small messages of a job's set-up and end, not for tensors).
    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        try (0..<size).map { try broadcast(rank == $0 ? bytes : [], root: $0) }
    }

    /// This rank's share of `items` (`RoundRobin`).
    public func share<T>(of items: [T]) -> [T] { RoundRobin.share(of: items, rank: rank, ranks: size) }
}

/// Items dealt to ranks: item i to rank i mod ranks, so that a rank's share depends only on the
/// order of the items and the number of ranks.
public enum RoundRobin {
    public static func share<T>(of items: [T], rank: Int, ranks: Int) -> [T] {
        items.indices.filter { $0 % ranks == rank }.map { items[$0] }
    }
}
