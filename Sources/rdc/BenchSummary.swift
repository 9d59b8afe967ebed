import DSL
import Foundation

/// The tables of a benchmark run, from its JSON lines (`make bench` collects them): the
/// machine's ceiling, every model step with its GFLOP/s as a share of the FMA peak, PyTorch's
/// time for the same step where it ran, and the time per kernel family where the library
/// has a profile. A step measured in several rounds (bench/run.sh: rdc, PyTorch, PyTorch,
/// rdc) is one row: each side's round with the best median, every round's median listed.
struct BenchSummary {
    var records: [BenchRecord]

    init(records: [BenchRecord]) { self.records = records }

    init(jsonLines path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        records = try text.split(separator: "\n").filter { $0.hasPrefix("{") }.map { try BenchRecord.decode(line: String($0)) }
    }

    private var peak: BenchRecord? { records.last { $0.what == "fma_peak" } }

    func render() -> String {
        [ceiling(), steps(), families()].filter { !$0.isEmpty }.joined(separator: "\n")
    }

    private func ceiling() -> String {
        var text = ""
        if let peak, let g = peak.gflopsPerS {
            let widths = [("AVX2", peak.avx2GflopsPerS), ("AVX-512", peak.avx512GflopsPerS)]
                .compactMap { name, v in v.map { "\(name) \(fixed($0, 1))" } }.joined(separator: ", ")
            text += "FMA peak, \(peak.threads) threads: \(fixed(g, 1)) GFLOP/s (\(widths)); others' CPU share \(fixed(peak.othersCpuShare, 2))\n"
        }
        let gemms = records.filter { $0.what == "sgemm" }
        guard !gemms.isEmpty else { return text }
        var rows = [["SGEMM (OpenBLAS) of the largest conv", "size", "conv", "M", "N", "K", "median s", "GFLOP/s",
                     "% of FMA peak", "others' CPU"]]
        for r in gemms {
            rows.append([r.model ?? "", size(r), r.conv ?? "", int(r.m), int(r.n), int(r.k), seconds(r.medianS),
                         fixed(r.gflopsPerS, 1), percentOfPeak(r.gflopsPerS), fixed(r.othersCpuShare, 2)])
        }
        return text + renderTable(rows, rightAligned: Set(3...9))
    }

    /// The rounds of each model step, in the order first measured.
    private var stepGroups: [[BenchRecord]] {
        var groups: [[BenchRecord]] = []
        for r in records where r.impl != nil {
            if let i = groups.firstIndex(where: { sameStep($0[0], r) }) { groups[i].append(r) } else { groups.append([r]) }
        }
        return groups
    }

    private func sameStep(_ a: BenchRecord, _ b: BenchRecord) -> Bool {
        a.model == b.model && a.what == b.what && a.height == b.height && a.width == b.width && a.batch == b.batch
    }

    /// One side's round with the best median: both sides get as many rounds, so a shared
    /// machine's drift between two measurements does not land on one side only.
    private func best(_ impl: String, of group: [BenchRecord]) -> BenchRecord? {
        group.filter { $0.impl == impl }.min { ($0.medianS ?? .infinity) < ($1.medianS ?? .infinity) }
    }

    /// The model steps rdc ran, each with its best rdc round.
    private var rdcSteps: [(group: [BenchRecord], rdc: BenchRecord)] {
        stepGroups.compactMap { group in best("rdc", of: group).map { (group, $0) } }
    }

    private func steps() -> String {
        let ours = rdcSteps
        guard !ours.isEmpty else { return "" }
        var rows = [["model", "size", "what", "batch", "threads", "steps", "median s", "best s", "GFLOP/s", "% of FMA peak",
                     "peak RSS MiB", "cache KiB/img", "others' CPU", "PyTorch s", "PyTorch RSS MiB", "rdc speed-up", "RSS ratio",
                     "rounds (rdc / PyTorch medians)"]]
        var capped = false
        for (group, r) in ours {
            let peer = best("pytorch", of: group)
            capped = capped || r.capped == true
            let medians = { (impl: String) in
                group.filter { $0.impl == impl }.map { seconds($0.medianS) + roundTrips($0) }.joined(separator: ", ")
            }
            rows.append([r.model ?? "", size(r), r.what, int(r.batch), String(r.threads),
                         String(r.timesS?.count ?? 0) + (r.capped == true ? "*" : ""), seconds(r.medianS), seconds(r.timesS?.min()),
                         fixed(r.gflopsPerS, 2), percentOfPeak(r.gflopsPerS), mib(training(r)),
                         r.featureCacheBytesPerImage.map { String($0 >> 10) } ?? "-",
                         fixed(r.othersCpuShare, 2), seconds(peer?.medianS), mib(peer?.peakRssBytes),
                         ratio(peer?.medianS, r.medianS), ratio(training(r).map(Double.init), peer?.peakRssBytes.map(Double.init)),
                         medians("rdc") + (peer == nil ? "" : " / " + medians("pytorch"))])
        }
        let note = capped ? "* the time cap (--max-seconds) stopped the run before the steps asked for\n" : ""
        let legend = "each side's round with the best median (rounds: every round's median, in the order run); "
            + "best s: the fastest timed step; peak RSS: the process's, less the teacher features it holds "
            + "for train-cached (the feature cache, reported per image apart); others' CPU: share of the machine's CPU time "
            + "other processes took during the timed steps (0: a quiet machine; 0.5: half of it was taken, times inflated); "
            + "rdc speed-up: PyTorch's median / rdc's; RSS ratio: rdc's peak RSS / PyTorch's; "
            + "(a/b ns): the round trip of a cache line between the first two cores before and after an rdc round "
            + "(bench/core_round_trip.c; here 55-140 ns where they share an L3, 330-400 where they do not)\n"
        return renderTable(rows, rightAligned: Set(3...16)) + note + legend
    }

    /// " (a/b ns)": the cores' round trip before and after the round, where measured.
    private func roundTrips(_ r: BenchRecord) -> String {
        guard let t = r.coreRoundTripNs, t.count == 2 else { return "" }
        return " (\(Int(t[0].rounded()))/\(Int(t[1].rounded())) ns)"
    }

    /// The peak resident set of the training itself: without the feature cache's share.
    private func training(_ r: BenchRecord) -> Int? {
        r.peakRssBytes.map { $0 - (r.featureCacheBytesHeld ?? 0) }
    }

    /// Per kernel family: FLOPs, time and rate, summed over the profiled steps.
    private func families() -> String {
        var text = ""
        for r in rdcSteps.map(\.rdc) {
            let title = "\(r.model ?? "") \(size(r)) \(r.what)"
            guard let profile = r.profile else {
                text += "\(title): profile not available in this library\n"
                continue
            }
            let steps = Double(max(1, r.timesS?.count ?? 1))
            var byFamily: [String: (flops: Double, seconds: Double, calls: Int)] = [:]
            for k in profile {
                byFamily[k.family, default: (0, 0, 0)].flops += Double(k.flops * k.calls)
                byFamily[k.family, default: (0, 0, 0)].seconds += k.seconds
                byFamily[k.family, default: (0, 0, 0)].calls += k.calls
            }
            // Shares are of the time in kernels.
            let total = byFamily.values.map(\.seconds).reduce(0, +)
            var rows = [[title, "calls/step", "GFLOP/step", "s/step", "share", "GFLOP/s", "% of FMA peak"]]
            for (family, f) in byFamily.sorted(by: { $0.value.seconds > $1.value.seconds }) {
                let rate = f.seconds > 0 ? f.flops / f.seconds / 1e9 : nil
                rows.append([family, fixed(Double(f.calls) / steps, 0), fixed(f.flops / steps / 1e9, 2),
                             fixed(f.seconds / steps, 3), String(format: "%.1f%%", 100 * f.seconds / max(total, 1e-12)),
                             fixed(rate, 2), percentOfPeak(rate)])
            }
            // The convolutions the issue's ceiling target counts: 3x3 and 1x1, every pass, FLOP-weighted
            // (a Winograd kernel counted by the direct FLOPs it replaces).
            let convs = byFamily.filter { $0.key.hasPrefix("conv3x3") || $0.key.hasPrefix("conv1x1") }.values
            let convFlops = convs.map(\.flops).reduce(0, +), convSeconds = convs.map(\.seconds).reduce(0, +)
            if convSeconds > 0 {
                let rate = convFlops / convSeconds / 1e9
                rows.append(["conv 3x3 + 1x1, FLOP-weighted", "", fixed(convFlops / steps / 1e9, 2), fixed(convSeconds / steps, 3),
                             String(format: "%.1f%%", 100 * convSeconds / max(total, 1e-12)), fixed(rate, 2), percentOfPeak(rate)])
            }
            // Step time no profiled kernel accounts for: the host's calls (setInput, setTensor and
            // their copies) and anything the library does not profile (today the Adam update).
            let outside = (r.timesS ?? []).reduce(0, +) - total
            rows.append(["outside kernels", "", "", fixed(outside / steps, 3), "", "", ""])
            text += renderTable(rows, rightAligned: Set(1...6))
        }
        return text
    }

    private func percentOfPeak(_ gflops: Double?) -> String {
        guard let gflops, let p = peak?.gflopsPerS, p > 0 else { return "-" }
        return String(format: "%.1f%%", 100 * gflops / p)
    }

    private func size(_ r: BenchRecord) -> String {
        guard let h = r.height, let w = r.width else { return "" }
        return "\(h)x\(w)"
    }

    private func ratio(_ theirs: Double?, _ ours: Double?) -> String {
        guard let theirs, let ours, ours > 0 else { return "-" }
        return String(format: "%.2fx", theirs / ours)
    }

    private func fixed(_ v: Double?, _ digits: Int) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "-" }
    private func seconds(_ v: Double?) -> String { v.map { String(format: $0 < 1 ? "%.4f" : "%.2f", $0) } ?? "-" }
    private func int(_ v: Int?) -> String { v.map(String.init) ?? "-" }
    private func mib(_ bytes: Int?) -> String { bytes.map { String($0 >> 20) } ?? "-" }
}
