import ArgumentParser
import DSL
import Foundation

/// The machine's own ceiling, measured by the C programs in bench/ (built here with the
/// flags the generated code gets, so both see the same instructions):
///   fma-peak  bench/fma_peak.c: independent FMAs on every thread, the FLOP/s no kernel can beat;
///   sgemm     bench/sgemm.c: OpenBLAS on the GEMM of a model's largest convolution, what a
///             tuned library reaches on that shape;
/// and the state it is in: bench/core_round_trip.c, how far apart its first two cores are.
struct Ceiling {
    /// The folder holding fma_peak.c, sgemm.c and core_round_trip.c.
    var sources: String
    /// Seconds to wait for a quiet machine before running (OtherLoad.waitForQuiet).
    var quietWait: Double

    func fmaPeak() throws -> BenchRecord {
        try run("fma_peak", arguments: [])
    }

    /// `body` between two runs of bench/core_round_trip.c (built once): how far apart the first
    /// two cores were just before and just after it (ns); nil on a one-core machine.
    func coreRoundTrips<T>(around body: () throws -> T) throws -> (T, [Double]?) {
        try built("core_round_trip") { probe in
            let before = try execute(probe).roundTripNs
            let value = try body()
            let after = try execute(probe).roundTripNs
            return (value, before.flatMap { b in after.map { [b, $0] } })
        }
    }

    /// OpenBLAS on C[M,N] = A[M,K] B[K,N] with M = Cout, N = batch*OH*OW, K = Cin*kh*kw of the
    /// dense convolution of `graph` with the most FLOPs.
    func sgemm(graph: Graph, runs: Int) throws -> BenchRecord {
        let convs = graph.nodes.compactMap { node -> (name: String, m: Int, n: Int, k: Int)? in
            guard case .conv2d(let a) = node.op, a.groups == 1 else { return nil }
            let out = node.shape.dims
            return (node.name, a.outChannels, out[0] * out[2] * out[3], a.inChannels * a.kernel[0] * a.kernel[1])
        }
        guard let largest = convs.max(by: { $0.m * $0.n * $0.k < $1.m * $1.n * $1.k }) else {
            throw ValidationError("\(graph.name) has no dense convolution")
        }
        var record = try run("sgemm", arguments: [largest.m, largest.n, largest.k, runs].map(String.init),
                             libraries: ["-lopenblas"])
        record.model = graph.name
        record.batch = graph.nodes[0].shape.dims[0]
        (record.height, record.width) = (graph.nodes[0].shape.dims[2], graph.nodes[0].shape.dims[3])
        record.conv = largest.name
        return record
    }

    /// Builds bench/NAME.c, waits for a quiet machine, runs it and reads the JSON line it prints.
    private func run(_ name: String, arguments: [String], libraries: [String] = []) throws -> BenchRecord {
        try built(name, libraries: libraries) { binary in
            OtherLoad.waitForQuiet(timeout: quietWait)
            let load = OtherLoad()
            var record = try execute(binary, arguments: arguments)
            record.othersCpuShare = load.share()
            return record
        }
    }

    /// `body` given bench/NAME.c built into a temporary folder (removed afterwards).
    private func built<T>(_ name: String, libraries: [String] = [], _ body: (String) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rdc-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = URL(fileURLWithPath: sources).appendingPathComponent("\(name).c").path
        guard FileManager.default.fileExists(atPath: source) else {
            throw ValidationError("\(source) not found: --bench-sources names the folder of rdc's bench/ programs")
        }
        let binary = folder.appendingPathComponent(name).path
        let build = try runToCompletion("/usr/bin/clang", ["-O3", "-march=native", "-fopenmp", source, "-o", binary] + libraries)
        guard build.status == 0 else {
            let hint = libraries.contains("-lopenblas") ? " (OpenBLAS: apt-get install libopenblas-dev, as `make bench` does)" : ""
            throw ValidationError("cannot build \(source)\(hint):\n\(build.stderr)")
        }
        return try body(binary)
    }

    /// Runs a built program and reads the JSON line it prints.
    private func execute(_ binary: String, arguments: [String] = []) throws -> BenchRecord {
        let result = try runToCompletion(binary, arguments)
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        guard result.status == 0, let line = stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw ValidationError("\(binary) failed (status \(result.status)):\n\(stdout)\(result.stderr)")
        }
        return try BenchRecord.decode(line: String(line))
    }
}
