import Foundation
import Synchronization

/// The result slot of one call handed to an interpreter thread. It is resumed exactly once:
/// with the call's result or, if the watchdog abandons the call first, with the quarantine error.
///
/// The caller first polls for a short while (`spin`), then suspends (`wait`); whichever of
/// `resume` and `wait` comes second completes the hand-over.
final class ResumeOnce<T: Sendable>: Sendable {
    typealias Outcome = Result<T, StrategyError>

    private enum Phase {
        case pending
        case done(Outcome)
        case waiting(UnsafeContinuation<Outcome, Never>)
        case finished
    }

    private let phase = Mutex<Phase>(.pending)
    private let ready = Atomic<Bool>(false)

    /// Delivers the outcome. Later calls are ignored.
    func resume(_ outcome: Outcome) {
        let waiter = phase.withLock { p -> UnsafeContinuation<Outcome, Never>? in
            switch p {
            case .pending:
                p = .done(outcome)
                return nil
            case .waiting(let c):
                p = .finished
                return c
            case .done, .finished:
                return nil
            }
        }
        ready.store(true, ordering: .releasing)
        waiter?.resume(returning: outcome)
    }

    /// Polls for the outcome for at most `duration`; nil if it has not arrived.
    func spin(for duration: Duration) -> Outcome? {
        guard duration > .zero else { return nil }
        let clock = ContinuousClock()
        let end = clock.now + duration
        while !ready.load(ordering: .acquiring) {
            if clock.now >= end { return nil }
            sched_yield()  // polling must not keep the interpreter thread off a core
        }
        return phase.withLock { p -> Outcome? in
            guard case .done(let outcome) = p else { return nil }
            p = .finished
            return outcome
        }
    }

    /// Suspends until the outcome arrives.
    func wait() async -> Outcome {
        await withUnsafeContinuation { (c: UnsafeContinuation<Outcome, Never>) in
            let early = phase.withLock { p -> Outcome? in
                if case .done(let outcome) = p {
                    p = .finished
                    return outcome
                }
                p = .waiting(c)
                return nil
            }
            if let early { c.resume(returning: early) }
        }
    }
}
