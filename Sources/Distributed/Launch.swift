import Foundation

/// How this process was started: alone, or as one rank of an MPI job. Read from the
/// environment the launcher sets, so that a process started alone never loads libmpi.
public enum Launch {
    /// Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; PMIx launchers (Open MPI 5's prterun,
    /// Slurm's srun --mpi=pmix) set PMIX_RANK.
    public static func isUnderMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// The ranks mpirun started, known before MPI is initialized; nil when the launcher does not say.
    public static func ranksStarted(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        environment["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) }
    }

    /// MPI's world under an MPI launcher (libmpi loaded and initialized now), else a job of one.
    public static func communicator(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> any Communicator {
        isUnderMPI(environment) ? try MPICommunicator() : SingleProcess()
    }
}
