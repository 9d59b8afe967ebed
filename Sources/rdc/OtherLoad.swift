import Foundation

/// How much of the machine other processes used while a measurement ran: the busy CPU
/// time of all CPUs (/proc/stat) less this process's and its children's, over the wall time
/// of all CPUs. Near 0 on a quiet machine; a time measured at 0.3 had a third of the
/// machine taken by something else and is inflated accordingly. Nil where /proc/stat is
/// not there.
struct OtherLoad {
    private let wall: Double
    private let busy: Double?
    private let own: Double

    /// Starts the window.
    init() {
        wall = Self.clock(CLOCK_MONOTONIC)
        busy = Self.machineBusySeconds()
        own = Self.ownSeconds()
    }

    /// The share of all CPUs' time since `init` that went to other processes.
    func share() -> Double? {
        guard let busy, let busyNow = Self.machineBusySeconds() else { return nil }
        let cpus = Double(ProcessInfo.processInfo.activeProcessorCount)
        let seconds = (Self.clock(CLOCK_MONOTONIC) - wall) * cpus
        guard seconds > 0 else { return nil }
        return min(1, max(0, (busyNow - busy - (Self.ownSeconds() - own)) / seconds))
    }

    /// On a machine others share, waits up to `timeout` seconds for a second in which other
    /// processes take under a tenth of the CPUs, so that a measurement starts on a quiet
    /// machine; returns false when none came (the caller measures anyway and reports the share).
    @discardableResult
    static func waitForQuiet(timeout: Double) -> Bool {
        let deadline = clock(CLOCK_MONOTONIC) + timeout
        while clock(CLOCK_MONOTONIC) < deadline {
            let window = OtherLoad()
            sleep(1)
            guard let share = window.share() else { return false }
            if share < 0.1 { return true }
        }
        return false
    }

    /// User + system CPU seconds of this process and of its children that have exited.
    private static func ownSeconds() -> Double {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(who, &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        }
        return seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue)
    }

    /// All CPUs' non-idle time: user, nice, system, irq, softirq and steal (a hypervisor
    /// running someone else) from the first line of /proc/stat, in clock ticks.
    private static func machineBusySeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return busy / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func clock(_ id: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(id, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
