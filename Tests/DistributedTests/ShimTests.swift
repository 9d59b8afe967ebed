import Foundation
import GoldenCases
import XCTest

/// Sources/CMPI/shim.h declares Open MPI's API by hand (rdc must build without it): compiled
/// beside Open MPI's own mpi.h, every type, constant and symbol rdc uses must be the library's.
final class ShimTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let check = """
        #include <mpi.h>
        #include "shim.h"
        #define SAME(a, b) _Static_assert(__builtin_types_compatible_p(a, b), #a " is not " #b);
        SAME(MPI_Comm, rdc_mpi_comm)
        SAME(MPI_Datatype, rdc_mpi_datatype)
        SAME(MPI_Op, rdc_mpi_op)
        SAME(__typeof__(&MPI_Init_thread), rdc_mpi_init_thread_fn)
        SAME(__typeof__(&MPI_Finalize), rdc_mpi_finalize_fn)
        SAME(__typeof__(&MPI_Comm_rank), rdc_mpi_comm_rank_fn)
        SAME(__typeof__(&MPI_Comm_size), rdc_mpi_comm_size_fn)
        SAME(__typeof__(&MPI_Allreduce), rdc_mpi_allreduce_fn)
        SAME(__typeof__(&MPI_Bcast), rdc_mpi_bcast_fn)
        SAME(__typeof__(&MPI_Barrier), rdc_mpi_barrier_fn)
        SAME(__typeof__(&MPI_Abort), rdc_mpi_abort_fn)
        _Static_assert(RDC_MPI_SUCCESS == MPI_SUCCESS, "MPI_SUCCESS");
        _Static_assert(RDC_MPI_THREAD_FUNNELED == MPI_THREAD_FUNNELED, "MPI_THREAD_FUNNELED");
        int main(void) {
            // The handles OpenMPILibrary looks up by these names.
            return rdc_mpi_in_place() == MPI_IN_PLACE && (void *) MPI_COMM_WORLD == (void *) &ompi_mpi_comm_world
                && (void *) MPI_DOUBLE == (void *) &ompi_mpi_double && (void *) MPI_FLOAT == (void *) &ompi_mpi_float
                && (void *) MPI_BYTE == (void *) &ompi_mpi_byte && (void *) MPI_SUM == (void *) &ompi_mpi_op_sum ? 0 : 1;
        }
        """

    func testShimMatchesOpenMPIsHeader() throws {
        guard let include = ["/usr/lib/x86_64-linux-gnu/openmpi/include", "/usr/lib/aarch64-linux-gnu/openmpi/include"]
            .first(where: { FileManager.default.fileExists(atPath: $0 + "/mpi.h") }) else {
            throw XCTSkip("Open MPI's mpi.h is not installed (make test installs libopenmpi-dev)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-shim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("check.c"), binary = folder.appendingPathComponent("check")
        try Self.check.write(to: source, atomically: true, encoding: .utf8)
        let shim = Self.packageRoot.appendingPathComponent("Sources/CMPI").path
        let compiled = try runProgram("/usr/bin/clang", ["-std=c11", "-Werror", "-I", include, "-I", shim, source.path,
                                                  "-L", include + "/../lib", "-lmpi", "-o", binary.path])
        XCTAssertEqual(compiled.status, 0, compiled.output)
        guard compiled.status == 0 else { return }
        XCTAssertEqual(try runProgram(binary.path, []).status, 0, "a handle of shim.h is not Open MPI's")
    }
}
