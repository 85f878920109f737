import CPython
import Foundation
import Synchronization

/// Stops calls that run past their deadline by injecting `StrategyTimeout` into the interpreter
/// thread, from a thread state of the same interpreter created on the watchdog's own thread.
///
/// In the main interpreter it also sends `SIGUSR2` to the interpreter thread, which interrupts
/// `time.sleep` and other blocking calls that check for signals. Neither reaches C code that
/// never returns to the eval loop: after `grace` the call is abandoned and quarantined.
///
/// Arming is cheap on purpose (one lock, no wake-up, no timer): the watchdog thread sleeps in
/// ticks no longer than `tick` and is woken only when a new deadline falls before its next tick.
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
        /// When the sleeping watchdog thread will next look at `armed`.
        var wakesAt: ContinuousClock.Instant = .now
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once the watchdog thread has deleted its thread state and ended.
    private let ended = DispatchSemaphore(value: 0)
    private let target: Target
    private let refire: Duration = .milliseconds(50)
    private let tick: Duration = .milliseconds(500)

    init(target: Target) {
        self.target = target
        let thread = Thread { [self] in self.run() }
        thread.name = "tradectl-watchdog"
        thread.start()
    }

    /// Arms the watchdog for one call. Called on the interpreter thread.
    func arm(callID: UInt64, timeout: Duration, grace: Duration, onAbandon: @escaping @Sendable () -> Void) {
        let deadline = ContinuousClock.now + timeout
        let wakeUp = state.withLock { s -> Bool in
            s.armed = Armed(callID: callID, deadline: deadline, grace: grace, onAbandon: onAbandon)
            return deadline < s.wakesAt
        }
        if wakeUp { wake.signal() }
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

    /// Stops the watchdog and waits until its thread has deleted its thread state (needs the GIL
    /// briefly: never call it while holding the GIL). An interpreter can only end after that.
    func stopAndWait() {
        stop()
        ended.wait()
        ended.signal()  // a second caller does not wait forever
    }

    private enum Step {
        case stop
        case sleep(until: ContinuousClock.Instant)
        case fire(callID: UInt64, first: Bool, deadline: ContinuousClock.Instant, grace: Duration)
    }

    private func next() -> Step {
        state.withLock { s in
            if s.stopped { return .stop }
            let now = ContinuousClock.now
            guard let a = s.armed else {
                s.wakesAt = now + tick
                return .sleep(until: s.wakesAt)
            }
            let due = a.refireAt ?? a.deadline
            if due > now {
                s.wakesAt = min(due, now + tick)
                return .sleep(until: s.wakesAt)
            }
            s.wakesAt = now
            return .fire(callID: a.callID, first: !a.fired, deadline: a.deadline, grace: a.grace)
        }
    }

    private func run() {
        // A thread state of the watched interpreter, created and used only on this thread.
        let tstate = PyThreadState_New(target.interpreter)
        while true {
            switch next() {
            case .stop:
                PyEval_RestoreThread(tstate)
                PyThreadState_Clear(tstate)
                PyThreadState_DeleteCurrent()  // and releases the GIL
                ended.signal()
                return
            case .sleep(let until):
                let wait = max(.zero, until - .now)
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(wait / .nanoseconds(1))))
            case .fire(let callID, let first, let deadline, let grace):
                if first { scheduleAbandon(callID: callID, at: deadline + grace) }
                fire(callID: callID, tstate: tstate)
            }
        }
    }

    /// Abandonment needs no GIL: a call stuck in C code holds it, and the caller must still hear
    /// back. Scheduled once per timed-out call, before the watchdog waits for the GIL.
    private func scheduleAbandon(callID: UInt64, at instant: ContinuousClock.Instant) {
        let wait = max(.zero, instant - .now)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(wait / .nanoseconds(1)))) { [self] in
            let abandon = state.withLock { s -> (@Sendable () -> Void)? in
                guard var a = s.armed, a.callID == callID, !a.abandoned else { return nil }
                a.abandoned = true
                s.armed = a
                return a.onAbandon
            }
            abandon?()
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
