// The few calls of Open MPI's C API that rdc makes, declared here instead of included from
// mpi.h: rdc dlopens libmpi.so.40 only when started under mpirun, so neither building nor
// running a single-process rdc needs Open MPI. The handle types are Open MPI's own (its
// MPI_Comm, MPI_Datatype and MPI_Op are pointers to these structs, and MPI_COMM_WORLD,
// MPI_DOUBLE, MPI_SUM... are the addresses of its global objects ompi_mpi_comm_world,
// ompi_mpi_double, ompi_mpi_op_sum), so Tests/DistributedTests can compile this header
// beside mpi.h and check that every function type here is the library's.
#ifndef RDC_CMPI_SHIM_H
#define RDC_CMPI_SHIM_H

typedef struct ompi_communicator_t *rdc_mpi_comm;
typedef struct ompi_datatype_t *rdc_mpi_datatype;
typedef struct ompi_op_t *rdc_mpi_op;

// Open MPI's values of MPI_SUCCESS and MPI_THREAD_FUNNELED (only the main thread calls MPI;
// the generated kernels' OpenMP threads never do).
enum { RDC_MPI_SUCCESS = 0, RDC_MPI_THREAD_FUNNELED = 1 };

// Open MPI's MPI_IN_PLACE, ((void *) 1): a macro Swift cannot import.
static inline void *rdc_mpi_in_place(void) { return (void *) 1; }

typedef int (*rdc_mpi_init_thread_fn)(int *argc, char ***argv, int required, int *provided);
typedef int (*rdc_mpi_finalize_fn)(void);
typedef int (*rdc_mpi_comm_rank_fn)(rdc_mpi_comm comm, int *rank);
typedef int (*rdc_mpi_comm_size_fn)(rdc_mpi_comm comm, int *size);
typedef int (*rdc_mpi_allreduce_fn)(const void *sendbuf, void *recvbuf, int count, rdc_mpi_datatype datatype,
                                    rdc_mpi_op op, rdc_mpi_comm comm);
typedef int (*rdc_mpi_bcast_fn)(void *buffer, int count, rdc_mpi_datatype datatype, int root, rdc_mpi_comm comm);
typedef int (*rdc_mpi_barrier_fn)(rdc_mpi_comm comm);
typedef int (*rdc_mpi_abort_fn)(rdc_mpi_comm comm, int errorcode);

#endif
