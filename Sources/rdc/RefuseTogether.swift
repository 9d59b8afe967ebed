import ArgumentParser
import Distributed
import Foundation

/// Ends a job whose ranks all refuse to start (they were started differently): each says why
/// before MPI_Finalize, which waits for every rank. Once one rank exits non-zero mpirun ends
/// the others, and a message still to be printed would be lost.
func refuseTogether(_ error: Error, _ communicator: Communicator) throws -> Never {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    try communicator.finalize()
    throw ExitCode.failure
}
