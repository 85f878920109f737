import Dispatch

/// Monotonic nanoseconds, for per-phase timings.
enum DispatchTimeShim {
    @inline(__always) static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
