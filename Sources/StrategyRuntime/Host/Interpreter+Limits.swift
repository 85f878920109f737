import CPython
import Foundation
import Synchronization

/// What the limits saw during one call.
struct LimitReport {
    var timedOut = false
    var abandoned = false
    var memoryExceeded = false
    var violation: String?
    var nanos: UInt64 = 0
}

extension Interpreter {
    /// Hands `body` to the interpreter thread; fails fast while the thread is wedged.
    func call<T: Sendable>(spin: Duration? = nil,
                           _ body: @escaping @Sendable (PythonContext, ResumeOnce<T>) -> Void) async throws(StrategyError) -> T {
        if let reason = wedged.withLock({ $0 }) { throw StrategyError(.unavailable, reason) }
        let once = ResumeOnce<T>()
        thread.submit { py in body(py, once) }
        // Short calls finish within the spin and never pay for a suspension and a thread wake-up.
        if let result = once.spin(for: spin ?? thread.callerSpin) { return try result.get() }
        return try await once.wait().get()
    }

    /// Runs `call` with the watchdog, the memory budget and the sandbox on. GIL held.
    ///
    /// - Parameter onAbandon: runs (on another thread) if the call has not stopped `grace` after
    ///   its timeout.
    func withLimits(_ py: PythonContext, limits: StrategyLimits, timeout: Duration, strategyID: String,
                    onAbandon: @escaping @Sendable () -> Void, _ call: () -> PyPtr?) -> (PyPtr?, LimitReport) {
        let callID = nextCallID()
        let lim = py.limits
        sandbox.violation = nil
        py.setFlag("timing_out", false)
        py.setFlag("active", true)
        lim.pointee.memoryUsed = 0
        lim.pointee.memoryLimit = limits.memoryBytes
        lim.pointee.memoryExceeded = false
        watchdog.arm(callID: callID, timeout: timeout, grace: limits.grace) { [self] in
            self.wedged.withLock {
                $0 = "the interpreter is still running quarantined strategy \(strategyID), which ignored its timeout "
                    + "(C code or a swallowed exception); in-process isolation cannot stop it"
            }
            onAbandon()
        }
        lim.pointee.memoryActive = true
        lim.pointee.sandboxActive = true
        let start = DispatchTime.now().uptimeNanoseconds
        let result = call()
        let end = DispatchTime.now().uptimeNanoseconds
        lim.pointee.sandboxActive = false
        lim.pointee.memoryActive = false
        let (fired, abandoned) = watchdog.disarm(callID: callID)
        PyThreadState_SetAsyncExc(py.threadID, nil)  // drop an injection that arrived after the call ended
        py.setFlag("active", false)
        py.setFlag("timing_out", false)
        if abandoned { wedged.withLock { $0 = nil } }
        var report = LimitReport()
        report.timedOut = fired
        report.abandoned = abandoned
        report.memoryExceeded = lim.pointee.memoryExceeded
        report.violation = sandbox.violation
        report.nanos = end - start
        return (result, report)
    }

    /// The error a call gets when a limit tripped, whatever the strategy did with the exception.
    func limitError(_ report: LimitReport, limits: StrategyLimits, timeout: Duration, strategyID: String) -> StrategyError? {
        if report.timedOut {
            return StrategyError(.timeout, "the call passed its \(timeout) timeout and was stopped by the watchdog",
                                 strategyID: strategyID)
        }
        if report.memoryExceeded {
            return StrategyError(.memory, "the call passed its memory budget of \(limits.memoryBytes >> 20) MiB",
                                 strategyID: strategyID)
        }
        if let v = report.violation {
            return StrategyError(.sandbox, v, strategyID: strategyID)
        }
        return nil
    }

    static func quarantineError(_ strategyID: String, timeout: Duration, grace: Duration) -> StrategyError {
        StrategyError(.quarantined,
                      "the strategy did not stop within \(grace) after its \(timeout) timeout and is quarantined. "
                      + "It is stuck in C code (a C-level loop or a sleep) or swallows the timeout; in-process levels "
                      + "cannot stop that, run it at isolation 'process'",
                      strategyID: strategyID)
    }
}
