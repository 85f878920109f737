import Dispatch

/// A serial executor backed by a dispatch queue: an actor that returns it from `unownedExecutor`
/// runs its blocking C calls (hiredis) on that queue's thread, never on the cooperative pool, and
/// code after a `Task.sleep` inside the actor resumes there too. As GRDB's `DispatchQueueActor`.
/// It is also a task executor, so a task started with it as its preference (the lock's renewal
/// loop) begins on the queue without first waiting for a cooperative thread.
///
/// `@unchecked Sendable`: its only state is a serial `DispatchQueue`, which is thread-safe.
final class DispatchQueueExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: UnownedJob) {
        queue.async { job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor()) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `work` on the queue after `delay` (a dispatch timer: no cooperative thread involved).
    func after(_ delay: Duration, _ work: @escaping @Sendable () -> Void) {
        let nanos = Int(delay / .nanoseconds(1))
        queue.asyncAfter(deadline: .now() + .nanoseconds(max(0, nanos)), execute: work)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
