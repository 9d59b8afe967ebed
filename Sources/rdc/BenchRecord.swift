import Foundation

/// One line of `rdc bench --json` (and of bench/peer_rd4ad.py, bench/fma_peak.c and
/// bench/sgemm.c, which write the same keys): a timed run of a model, or of the machine's
/// ceiling. Keys are snake_case (`median_s`, `peak_rss_bytes`); what a kind of run does not
/// measure is left out.
struct BenchRecord: Codable {
    /// train, train-cached, infer; fma_peak, sgemm, core_round_trip.
    var what: String
    /// "rdc" or "pytorch" for model runs.
    var impl: String?
    var model: String?
    var batch: Int?
    var height: Int?
    var width: Int?
    var threads: Int
    /// Every timed step (after the warm-up) and their median, in seconds.
    var timesS: [Double]?
    var medianS: Double?
    /// FLOPs of one step (one call for sgemm), and that over the median.
    var flops: Int?
    var gflopsPerS: Double?
    /// The process's peak resident set (every model runs in its own process).
    var peakRssBytes: Int?
    /// train-cached: the teacher features the feature cache keeps per image (float32), and
    /// what of them this process holds for its batch (inside peak_rss_bytes).
    var featureCacheBytesPerImage: Int?
    var featureCacheBytesHeld: Int?
    /// True when the time cap stopped the run before the steps asked for.
    var capped: Bool?
    /// The share of the machine's CPU time other processes took during the timed runs
    /// (OtherLoad): near 0 when the times are the code's own.
    var othersCpuShare: Double?
    /// sgemm: the GEMM shape and the convolution it stands for.
    var m: Int?
    var n: Int?
    var k: Int?
    var conv: String?
    /// core_round_trip: a cache line's round trip between the first two cores, in ns.
    var roundTripNs: Double?
    /// Model runs: that round trip just before and just after the timed steps (55-140 ns
    /// where this machine's two vCPUs share an L3, 330-400 where they do not).
    var coreRoundTripNs: [Double]?
    /// fma_peak: the ceiling per vector width (`gflops_per_s` is the larger).
    var avx2GflopsPerS: Double?
    var avx512GflopsPerS: Double?
    /// Per kernel, summed over the timed steps; absent when the library has no profile.
    var profile: [KernelTime]?

    static func decode(line: String) throws -> BenchRecord {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(BenchRecord.self, from: Data(line.utf8))
    }

    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// One kernel's share of a profiled run (see KernelProfile).
struct KernelTime: Codable {
    var name: String
    var family: String
    /// FLOPs of one call.
    var flops: Int
    var calls: Int
    var seconds: Double
}
