import Dispatch

/// A serial executor backed by a dispatch queue: an actor that returns it from `unownedExecutor`
/// runs its blocking C calls (hiredis) on that queue's thread, never on the cooperative pool, and
/// code after a `Task.sleep` inside the actor resumes there too. As GRDB's `DispatchQueueActor`.
///
/// `@unchecked Sendable`: its only state is a serial `DispatchQueue`, which is thread-safe.
final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: UnownedJob) {
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
