import Foundation

/// Times repeated runs of one step: `warmup` untimed runs first (the first run faults in
/// the arena's pages, refolds the teacher and starts OpenMP's threads, none of which a
/// training run pays per step), then up to `steps` timed ones. A cap on the timed runs'
/// total keeps a slow model's benchmark bounded: once `maxSeconds` have passed it stops
/// after the run in progress, with at least one timed run.
struct StepTimer {
    var steps: Int
    var warmup: Int
    var maxSeconds: Double

    struct Timing {
        var times: [Double]
        /// Stopped by the cap before `steps` runs.
        var capped: Bool
        var median: Double {
            let sorted = times.sorted(), mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
    }

    /// `beforeTimed` runs once between the warm-up and the timed runs (a profile reset).
    func time(beforeTimed: () -> Void, _ step: () throws -> Void) rethrows -> Timing {
        for _ in 0..<warmup { try step() }
        beforeTimed()
        var times: [Double] = []
        let start = Self.now()
        while times.count < steps {
            let t0 = Self.now()
            try step()
            times.append(Self.now() - t0)
            if Self.now() - start > maxSeconds { break }
        }
        return Timing(times: times, capped: times.count < steps)
    }

    /// Monotonic seconds.
    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
