import ArgumentParser
import DSL
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a compiled model's training step or inference, or the machine's ceiling (a benchmark, not a test).",
        discussion: """
        One measurement per process, so that the peak RSS is one model's: `make bench` runs every \
        model and size this way, then `rdc bench --summary FILE` over the JSON lines. Weights are \
        seeded stand-ins (speed does not depend on them). Threads: OMP_NUM_THREADS (default 2).

        train: setInput + forwardTrain + backward + adamStep (epoch 1, the teacher runs). \
        train-cached: setTensor t1..t3 + forwardTrainFromFeatures + backward + adamStep (later epochs). \
        infer: setInput + forwardEval, maps and scores included (compile the model with --batch 1 for latency). \
        fma-peak: bench/fma_peak.c. sgemm: bench/sgemm.c, OpenBLAS on the GEMM of --generated's largest convolution. \
        Model steps also record bench/core_round_trip.c before and after (core_round_trip_ns): how far apart the first two \
        cores were.
        """)

    enum What: String, ExpressibleByArgument, CaseIterable {
        case train, trainCached = "train-cached", infer, fmaPeak = "fma-peak", sgemm
    }

    @Option(help: "A folder written by `rdc compile`.")
    var generated: String?

    @Option(help: "What to time.")
    var what: What?

    @Option(help: "Timed steps after the warm-up (sgemm: timed GEMMs); the median is reported.")
    var steps: Int = 5

    @Option(help: "Untimed steps first.")
    var warmup: Int = 1

    @Option(name: .customLong("max-seconds"), help: "Stop timing after the step that passes this many seconds.")
    var maxSeconds: Double = 600

    @Option(name: .customLong("quiet-wait"), help: "First wait up to this many seconds for other processes to leave the CPUs idle.")
    var quietWait: Double = 0

    @Option(name: .customLong("bench-sources"),
            help: "The folder of fma_peak.c, sgemm.c and core_round_trip.c (default: bench/ of rdc's package, from any working folder).")
    var benchSources: String = Bench.packageSources

    /// bench/ beside Sources/ in the package rdc was built from (as Codegen finds templates/).
    static let packageSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench").path

    @Flag(help: "Print one JSON object per line (for scripts) instead of tables.")
    var json = false

    @Option(help: "Print the tables of a file of JSON lines from earlier runs, and nothing else.")
    var summary: String?

    func validate() throws {
        guard summary != nil || what != nil else { throw ValidationError("give --what (or --summary FILE)") }
        guard steps >= 1, warmup >= 0, maxSeconds > 0 else { throw ValidationError("--steps >= 1, --warmup >= 0, --max-seconds > 0") }
        if let what, what != .fmaPeak, generated == nil { throw ValidationError("--what \(what.rawValue) needs --generated DIR") }
    }

    func run() throws {
        if let summary {
            print(try BenchSummary(jsonLines: summary).render(), terminator: "")
            return
        }
        let threads = Self.threads()
        let record: BenchRecord
        switch what! {
        case .fmaPeak:
            record = try Ceiling(sources: benchSources, quietWait: quietWait).fmaPeak()
        case .sgemm:
            let graphURL = URL(fileURLWithPath: generated!).appendingPathComponent("graph.json")
            record = try Ceiling(sources: benchSources, quietWait: quietWait)
                .sgemm(graph: try Graph(json: try Data(contentsOf: graphURL)), runs: steps)
        case let step:
            let timer = StepTimer(steps: steps, warmup: warmup, maxSeconds: maxSeconds)
            let bench = try ModelBench(generated: generated!)
            var (measured, roundTrips) = try Ceiling(sources: benchSources, quietWait: 0).coreRoundTrips {
                try bench.measure(step, timer: timer, threads: threads, quietWait: quietWait)
            }
            measured.coreRoundTripNs = roundTrips
            record = measured
        }
        print(json ? try record.jsonLine() : BenchSummary(records: [record]).render())
    }

    /// OMP_NUM_THREADS, set to 2 (the machine's cores) when absent; set before any library
    /// loads, since OpenMP reads it once.
    private static func threads() -> Int {
        if let value = ProcessInfo.processInfo.environment["OMP_NUM_THREADS"], let n = Int(value), n > 0 { return n }
        setenv("OMP_NUM_THREADS", "2", 1)
        return 2
    }
}
