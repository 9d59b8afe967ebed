import CMPI
import Foundation

/// Open MPI's libmpi, opened with dlopen: its entry points and the predefined handles rdc
/// uses. Loaded only by a job under mpirun, so rdc's binary does not link it (shim.h).
struct OpenMPILibrary {
    /// The soname of Open MPI 3.x to 5.x's libmpi (Debian's libopenmpi3).
    static let soname = "libmpi.so.40"

    let initThread: rdc_mpi_init_thread_fn
    let finalize: rdc_mpi_finalize_fn
    let commRank: rdc_mpi_comm_rank_fn
    let commSize: rdc_mpi_comm_size_fn
    let allreduce: rdc_mpi_allreduce_fn
    let bcast: rdc_mpi_bcast_fn
    let barrier: rdc_mpi_barrier_fn
    let abort: rdc_mpi_abort_fn
    /// MPI_COMM_WORLD, MPI_DOUBLE, MPI_FLOAT, MPI_BYTE, MPI_SUM.
    let world: rdc_mpi_comm
    let double: rdc_mpi_datatype
    let float: rdc_mpi_datatype
    let byte: rdc_mpi_datatype
    let sum: rdc_mpi_op

    /// RTLD_GLOBAL: libmpi dlopens its own components (transports, PMIx), which resolve
    /// symbols of libmpi.
    init() throws {
        guard let handle = dlopen(Self.soname, RTLD_NOW | RTLD_GLOBAL) else {
            throw CommunicatorError("rdc runs under mpirun but cannot load Open MPI's \(Self.soname) "
                                    + "(\(String(cString: dlerror()))): install Open MPI (Debian: apt-get install "
                                    + "openmpi-bin) or add its lib folder to LD_LIBRARY_PATH (mpirun -x LD_LIBRARY_PATH)")
        }
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let address = dlsym(handle, name) else {
                throw CommunicatorError("\(Self.soname) has no \(name): rdc needs Open MPI's libmpi (3.x to 5.x), "
                                        + "not another MPI's")
            }
            return address
        }
        func function<F>(_ name: String, _ type: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: type) }
        initThread = try function("MPI_Init_thread", rdc_mpi_init_thread_fn.self)
        finalize = try function("MPI_Finalize", rdc_mpi_finalize_fn.self)
        commRank = try function("MPI_Comm_rank", rdc_mpi_comm_rank_fn.self)
        commSize = try function("MPI_Comm_size", rdc_mpi_comm_size_fn.self)
        allreduce = try function("MPI_Allreduce", rdc_mpi_allreduce_fn.self)
        bcast = try function("MPI_Bcast", rdc_mpi_bcast_fn.self)
        barrier = try function("MPI_Barrier", rdc_mpi_barrier_fn.self)
        abort = try function("MPI_Abort", rdc_mpi_abort_fn.self)
        world = OpaquePointer(try symbol("ompi_mpi_comm_world"))
        double = OpaquePointer(try symbol("ompi_mpi_double"))
        float = OpaquePointer(try symbol("ompi_mpi_float"))
        byte = OpaquePointer(try symbol("ompi_mpi_byte"))
        sum = OpaquePointer(try symbol("ompi_mpi_op_sum"))
    }
}
