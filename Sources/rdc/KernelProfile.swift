import Foundation

/// The per-kernel profile a compiled library may export, for `rdc bench`'s table per kernel
/// family. Libraries without it still benchmark whole steps; the table then says the
/// profile is not available. The ABI (C, beside templates/rdc_abi.h):
///
///     int32_t     rdc_profile_count(void);          // kernels in the profile table
///     const char *rdc_profile_name(int32_t i);      // as manifest.json's kernels[].name
///     const char *rdc_profile_family(int32_t i);    // "conv3x3_fwd", "conv3x3_bwd_data",
///                                                   // "conv3x3_bwd_weights", "conv1x1", "convT2x2",
///                                                   // "batchnorm", "elementwise", "other", ...
///     int64_t     rdc_profile_flops(int32_t i);     // FLOPs of one call
///     int64_t     rdc_profile_calls(int32_t i);     // calls since the last reset
///     double      rdc_profile_seconds(int32_t i);   // wall seconds of those calls
///     void        rdc_profile_reset(void);          // calls and seconds back to 0
///
/// Counters are per library, not per context: a host reaches the library's symbols but not
/// the context CompiledModel keeps, and a benchmark runs one context. Entry points run
/// kernels one after another from the calling thread (OpenMP inside each), so plain
/// counters need no atomics.
struct KernelProfile {
    private typealias Count = @convention(c) () -> Int32
    private typealias Text = @convention(c) (Int32) -> UnsafePointer<CChar>?
    private typealias Number = @convention(c) (Int32) -> Int64
    private typealias Seconds = @convention(c) (Int32) -> Double
    private typealias Reset = @convention(c) () -> Void

    private let count: Count
    private let name, family: Text
    private let flops, calls: Number
    private let seconds: Seconds
    private let resetFn: Reset

    /// The profile of the library at `libraryPath`, already loaded by a CompiledModel that
    /// outlives this value (dlopen hands back the same copy), or nil when it exports none.
    init?(libraryPath: String) {
        guard let handle = dlopen(libraryPath, RTLD_NOW | RTLD_NOLOAD) else { return nil }
        // CompiledModel's own handle keeps the library loaded while it is in use.
        defer { dlclose(handle) }
        func symbol<T>(_ name: String, as _: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let count = symbol("rdc_profile_count", as: Count.self),
              let name = symbol("rdc_profile_name", as: Text.self),
              let family = symbol("rdc_profile_family", as: Text.self),
              let flops = symbol("rdc_profile_flops", as: Number.self),
              let calls = symbol("rdc_profile_calls", as: Number.self),
              let seconds = symbol("rdc_profile_seconds", as: Seconds.self),
              let reset = symbol("rdc_profile_reset", as: Reset.self)
        else { return nil }
        (self.count, self.name, self.family, self.flops, self.calls, self.seconds, resetFn) =
            (count, name, family, flops, calls, seconds, reset)
    }

    func reset() { resetFn() }

    /// Every kernel that ran since the last reset.
    func kernels() -> [KernelTime] {
        (0..<count()).compactMap { i in
            guard calls(i) > 0 else { return nil }
            return KernelTime(name: name(i).map { String(cString: $0) } ?? "kernel \(i)",
                              family: family(i).map { String(cString: $0) } ?? "other",
                              flops: Int(flops(i)), calls: Int(calls(i)), seconds: seconds(i))
        }
    }
}
