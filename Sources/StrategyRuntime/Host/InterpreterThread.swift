import CPython
import Foundation
import Synchronization

/// One dedicated OS thread that runs all of one interpreter's Python.
///
/// Work arrives as closures; `perform` hands one over from async code and suspends until the
/// thread has run it. No Python call is ever made on the cooperative thread pool.
final class InterpreterThread: Sendable {
    typealias Job = @Sendable (PythonContext) -> Void

    private struct Queue: ~Copyable {
        var jobs: [Job] = []
        var sleeping = false
        var stopped = false
        /// Runs after the queued jobs, GIL held; the thread then ends without releasing the GIL
        /// through its body (the job leaves it holding no interpreter).
        var last: Job?
    }

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    /// How long the thread polls for new work before it parks, to keep hand-offs cheap.
    private let spin: Duration
    /// How long an async caller polls for its result before it suspends, at least and at most.
    let callerSpin: Duration
    let callerSpinLimit: Duration
    let name: String

    init(name: String, spin: Duration = .microseconds(200), callerSpin: Duration = .microseconds(50),
         callerSpinLimit: Duration = .milliseconds(1)) {
        self.name = name
        self.spin = spin
        self.callerSpin = callerSpin
        self.callerSpinLimit = callerSpinLimit
    }

    /// The poll for a call expected to take `nanos` on this thread (plus the hand-over).
    func callerSpin(expecting nanos: UInt64) -> Duration {
        let wanted = Duration.nanoseconds(Int64(min(nanos, 1 << 40))) * 1.25 + .microseconds(30)
        return max(callerSpin, min(wanted, callerSpinLimit))
    }

    /// Starts the thread. `setUp` runs first on it and returns the context later jobs receive,
    /// plus a pair of closures that take and release the GIL around each batch of jobs.
    func start(stackBytes: Int = 64 << 20, setUp: @escaping @Sendable () -> ThreadBody?) {
        let box = Unmanaged.passRetained(StartBox { [self] in self.main(setUp: setUp) })
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, stackBytes)
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { raw in
            let box = Unmanaged<StartBox>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attr)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    /// Queues a job; it runs on the interpreter thread, in order.
    func submit(_ job: @escaping Job) {
        let wakeUp = queue.withLock { q -> Bool in
            q.jobs.append(job)
            let sleeping = q.sleeping
            q.sleeping = false
            return sleeping
        }
        if wakeUp { wake.signal() }
    }

    /// Runs `body` on the interpreter thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable (PythonContext) -> T) async -> T {
        await withUnsafeContinuation { (cont: UnsafeContinuation<T, Never>) in
            submit { ctx in cont.resume(returning: body(ctx)) }
        }
    }

    /// Blocks the calling (non-async) thread until `body` has run on the interpreter thread.
    func performBlocking<T: Sendable>(_ body: @escaping @Sendable (PythonContext) -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        submit { ctx in
            let value = body(ctx)
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Runs the jobs queued so far, in order, on the calling thread. Only for a job that keeps
    /// the interpreter thread for good (a `process`-level worker's request loop): the jobs queued
    /// behind it, such as releases of Python objects, would otherwise never run. GIL held.
    func runQueued(_ context: PythonContext) {
        let jobs = queue.withLock { q -> [Job] in
            let jobs = q.jobs
            q.jobs.removeAll(keepingCapacity: true)
            return jobs
        }
        for job in jobs { job(context) }
    }

    func stop() {
        queue.withLock { $0.stopped = true; $0.sleeping = false }
        wake.signal()
    }

    /// Runs `job` after the jobs queued so far, then ends the thread; jobs submitted later are
    /// dropped. The job must leave the thread without a current thread state and without the GIL
    /// (it ends the interpreter).
    func finish(_ job: @escaping Job) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.withLock { q in
                q.last = { context in
                    job(context)
                    done.resume()
                }
                q.sleeping = false
            }
            wake.signal()
        }
    }

    private func nextBatch() -> [Job]? {
        let clock = ContinuousClock()
        var idleSince = clock.now
        while true {
            let batch = queue.withLock { q -> [Job]? in
                if q.stopped { return nil }
                if q.jobs.isEmpty { return q.last == nil ? [] : nil }
                let jobs = q.jobs
                q.jobs.removeAll(keepingCapacity: true)
                return jobs
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            if clock.now - idleSince < spin {
                sched_yield()  // let a runnable thread (another interpreter) have this core
                continue
            }
            let park = queue.withLock { q -> Bool in
                if !q.jobs.isEmpty || q.stopped || q.last != nil { return false }
                q.sleeping = true
                return true
            }
            if park { wake.wait() }
            idleSince = clock.now
        }
    }

    private func main(setUp: @Sendable () -> ThreadBody?) {
        _ = tc_unblock_signal(PythonBoot.timeoutSignal)
        guard let body = setUp() else { return }
        while let batch = nextBatch() {
            body.acquire()
            for job in batch { job(body.context) }
            body.release()
        }
        let last = queue.withLock { q -> Job? in
            q.stopped = true
            defer { q.last = nil }
            return q.last
        }
        if let last {
            body.acquire()
            last(body.context)  // ends the interpreter: no release through the body
        }
    }
}

/// What an interpreter thread needs after set-up: its context and how to take and drop the GIL.
struct ThreadBody {
    let context: PythonContext
    let acquire: () -> Void
    let release: () -> Void
}

private final class StartBox {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
