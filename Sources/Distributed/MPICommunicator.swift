import CMPI
import Foundation

/// The job `mpirun -np N rdc ...` started: Open MPI's MPI_COMM_WORLD, initialized on creation
/// (MPI_THREAD_FUNNELED: only the main thread calls MPI). MPI's default error handler stays:
/// a failing call ends the whole job instead of returning, and mpirun ends every rank when
/// one exits non-zero or dies, naming it.
public final class MPICommunicator: Communicator {
    private let mpi: OpenMPILibrary
    public let rank: Int
    public let size: Int
    private var finalized = false

    public init() throws {
        mpi = try OpenMPILibrary()
        var provided: Int32 = 0
        try Self.check(mpi.initThread(nil, nil, Int32(RDC_MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        guard provided >= Int32(RDC_MPI_THREAD_FUNNELED) else {
            throw CommunicatorError("Open MPI gives thread level \(provided); rdc needs MPI_THREAD_FUNNELED")
        }
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(mpi.commRank(mpi.world, &rank), "MPI_Comm_rank")
        try Self.check(mpi.commSize(mpi.world, &size), "MPI_Comm_size")
        (self.rank, self.size) = (Int(rank), Int(size))
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try allreduceSum(UnsafeMutableRawBufferPointer(values), elementSize: MemoryLayout<Double>.stride, mpi.double)
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try allreduceSum(UnsafeMutableRawBufferPointer(values), elementSize: MemoryLayout<Float>.stride, mpi.float)
    }

    /// MPI counts are 32-bit: a larger buffer goes in chunks, each summed in place (MPI_IN_PLACE).
    private func allreduceSum(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int, _ type: rdc_mpi_datatype) throws {
        try forEachChunk(of: bytes, elementSize: elementSize) { start, count in
            try Self.check(mpi.allreduce(rdc_mpi_in_place(), start, count, type, mpi.sum, mpi.world), "MPI_Allreduce")
        }
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard (0..<size).contains(root) else { throw CommunicatorError("broadcast from rank \(root) in a job of \(size) ranks") }
        try forEachChunk(of: bytes, elementSize: 1) { start, count in
            try Self.check(mpi.bcast(start, count, mpi.byte, Int32(root), mpi.world), "MPI_Bcast")
        }
    }

    private func forEachChunk(of bytes: UnsafeMutableRawBufferPointer, elementSize: Int,
                              _ body: (UnsafeMutableRawPointer, Int32) throws -> Void) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0, elements = bytes.count / elementSize
        while elements > 0 {
            let count = min(elements, Int(Int32.max))
            try body(base + done * elementSize, Int32(count))
            done += count
            elements -= count
        }
    }

    public func barrier() throws { try Self.check(mpi.barrier(mpi.world), "MPI_Barrier") }

    public func abort(_ message: String) -> Never {
        fflush(nil)  // this rank's earlier output first
        FileHandle.standardError.write(Data("rdc rank \(rank) of \(size): \(message)\n".utf8))
        _ = mpi.abort(mpi.world, 1)
        exit(1)  // MPI_Abort does not return; should it, this rank still stops
    }

    public func finalize() throws {
        guard !finalized else { return }
        finalized = true
        try Self.check(mpi.finalize(), "MPI_Finalize")
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code == Int32(RDC_MPI_SUCCESS) else { throw CommunicatorError("\(call) failed (Open MPI error \(code))") }
    }
}
