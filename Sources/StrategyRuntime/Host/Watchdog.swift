import CPython
import Foundation
import Synchronization

/// Stops calls that run past their deadline by injecting `StrategyTimeout` into the interpreter
/// thread, from a thread state of the same interpreter created on the watchdog's own thread.
///
/// In the main interpreter it also sends `SIGUSR2` to the interpreter thread, which interrupts
/// `time.sleep` and other blocking calls that check for signals. Neither reaches C code that
/// never returns to the eval loop: after `grace` the call is abandoned and quarantined.
final class Watchdog: Sendable {
    /// Raw pointers the watchdog needs. `@unchecked Sendable`: they are only dereferenced by the
    /// watchdog thread while it holds the GIL through its own thread state of that interpreter.
    struct Target: @unchecked Sendable {
        let interpreter: OpaquePointer
        let timeoutType: PyPtr
        let state: PyPtr
        let threadID: UInt
        let pthread: pthread_t
        let isMain: Bool
    }

    private struct Armed {
        let callID: UInt64
        let deadline: ContinuousClock.Instant
        let grace: Duration
        var fired = false
        /// When to inject again, for a strategy that catches the exception and carries on.
        var refireAt: ContinuousClock.Instant?
        var abandoned = false
        let onAbandon: @Sendable () -> Void
    }

    private struct State: ~Copyable {
        var armed: Armed?
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let target: Target
    private let refire: Duration = .milliseconds(50)

    init(target: Target) {
        self.target = target
        let thread = Thread { [self] in self.run() }
        thread.name = "tradectl-watchdog"
        thread.start()
    }

    /// Arms the watchdog for one call. Called on the interpreter thread.
    func arm(callID: UInt64, timeout: Duration, grace: Duration, onAbandon: @escaping @Sendable () -> Void) {
        state.withLock {
            $0.armed = Armed(callID: callID, deadline: .now + timeout, grace: grace, onAbandon: onAbandon)
        }
        wake.signal()
        // Abandonment needs no GIL: a call stuck in C code holds it, and the caller must still hear back.
        let nanos = Int((timeout + grace) / .nanoseconds(1))
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanos)) { [self] in
            let abandon = state.withLock { s -> (@Sendable () -> Void)? in
                guard var a = s.armed, a.callID == callID, !a.abandoned else { return nil }
                a.abandoned = true
                s.armed = a
                return a.onAbandon
            }
            abandon?()
        }
    }

    /// Disarms after the call returned, with the GIL still held by the interpreter thread.
    ///
    /// - Returns: whether the watchdog fired, and whether the call had been abandoned.
    func disarm(callID: UInt64) -> (fired: Bool, abandoned: Bool) {
        state.withLock { s in
            guard let a = s.armed, a.callID == callID else { return (false, false) }
            s.armed = nil
            return (a.fired, a.abandoned)
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
    }

    private func run() {
        // A thread state of the watched interpreter, created and used only on this thread.
        let tstate = PyThreadState_New(target.interpreter)
        while true {
            let next = state.withLock { s -> (UInt64, ContinuousClock.Instant, Bool)? in
                if s.stopped { return nil }
                guard let a = s.armed else { return (0, .now + .seconds(3600), false) }
                return (a.callID, a.refireAt ?? a.deadline, a.fired)
            }
            guard let (callID, when, _) = next else { return }
            let wait = when - .now
            if wait > .zero {
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(wait.components.seconds * 1_000_000_000
                                                                 + wait.components.attoseconds / 1_000_000_000)))
                continue
            }
            if callID == 0 { continue }
            fire(callID: callID, tstate: tstate)
        }
    }

    private func fire(callID: UInt64, tstate: UnsafeMutablePointer<PyThreadState>?) {
        PyEval_RestoreThread(tstate)
        let inject = state.withLock { s -> Bool in
            guard var a = s.armed, a.callID == callID else { return false }
            a.fired = true
            a.refireAt = .now + refire
            s.armed = a
            return true
        }
        if inject {
            let on = tc_bool_new(1)
            PyObject_SetAttrString(target.state, "timing_out", on)
            Py_DecRef(on)
            PyThreadState_SetAsyncExc(target.threadID, target.timeoutType)
        }
        PyEval_SaveThread()
        if inject && target.isMain { _ = tc_signal_thread(target.pthread, PythonBoot.timeoutSignal) }
    }
}
