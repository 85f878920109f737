import Foundation
import Logging
import Synchronization

/// A long-lived `tradectl-sandbox` process and the strategies loaded into it.
///
/// One call at a time owns the worker (`owner`, a semaphore, so ownership can pass from the
/// caller's thread to `queue`). A run first tries on the caller's thread: it sends the request
/// and polls the pipe for as long as the strategy typically takes (like in-process calls poll
/// their interpreter thread), so a short call costs no thread hand-off at all. A reply not in by
/// then is awaited on `queue`, never on the cooperative pool, and so is everything slow: loads,
/// starts, restarts. A call past its deadline gets the worker killed: that call fails with
/// `timeout`; a worker that dies on its own fails the call with `crashed`. The next call starts a
/// fresh worker and reloads every strategy it held, so other strategies on it carry on.
///
/// `@unchecked Sendable`: all mutable state is touched only by the holder of `owner`.
final class ProcessWorker: @unchecked Sendable {
    let executable: String
    /// The worker's command line (`WorkerOptions`).
    let arguments: [String]
    /// Whether a worker missing a required kernel protection is refused.
    let policy: WorkerSandboxPolicy
    let logger: Logger
    /// The running worker's confinement, from its hello.
    private var sandbox: SandboxReport?
    /// Recycle the worker after this many calls, or once its RSS passes `rssLimit` bytes.
    let recycleAfter: Int
    let rssLimit: Int
    private var calls = 0
    private let rssCheckInterval: Duration
    private var lastRSSCheck: ContinuousClock.Instant?
    /// Crashes since the last successful call: a fresh worker waits 100 ms × 2^(n−1), at most 5 s.
    private var consecutiveCrashes = 0
    private let queue = DispatchQueue(label: "tradectl.process-worker")
    private let owner = DispatchSemaphore(value: 1)
    /// Where a run sent from the caller's thread waits for its reply. Not `queue`: blocks queued
    /// there wait for `owner`, which that run holds until its reply is in.
    private let replies = DispatchQueue(label: "tradectl.process-worker.replies")
    /// How long a caller polls for a reply: each strategy's typical round trip, within these bounds.
    private let spinFloor: Duration, spinLimit: Duration
    private var typicalNanos: [UInt32: UInt64] = [:]
    private var process: WorkerProcess?
    private var outputFD: Int32 { process?.output ?? -1 }
    /// Sources by host-side handle, to reload after a restart.
    private var sources: [UInt32: (StrategySource, StrategyLimits)] = [:]
    /// Host-side handle → the running worker's handle.
    private var remoteHandles: [UInt32: UInt32] = [:]
    private var nextHandle: UInt32 = 1
    /// The frames the running worker holds (the same list it keeps), so a window crosses the
    /// pipe once per worker: every strategy of the worker called on one frame shares its build.
    private var frames = FrameCache<CandleWindow>()
    /// Where the caller's thread reads a reply (kept: zeroing 64 KiB per call shows in a short call).
    private var chunk = [UInt8](repeating: 0, count: 64 << 10)
    /// When the last load or call ended, for idle eviction.
    private var lastUsed = ContinuousClock.now

    init(executable: String, arguments: [String], policy: WorkerSandboxPolicy = .strict, logger: Logger,
         recycleAfter: Int = 10_000, rssLimit: Int = 2 << 30,
         rssCheckInterval: Duration = .milliseconds(250), spinFloor: Duration = .microseconds(50),
         spinLimit: Duration = .milliseconds(1)) {
        self.policy = policy
        self.logger = logger
        self.rssCheckInterval = rssCheckInterval
        self.arguments = arguments
        self.spinFloor = spinFloor
        self.spinLimit = spinLimit
        self.executable = executable
        self.recycleAfter = recycleAfter
        self.rssLimit = rssLimit
    }

    /// Stops the worker process if it has been idle for `idle`; its strategies stay loaded on
    /// this side and are reloaded into a fresh process by their next call.
    func evictIfIdle(_ idle: Duration) {
        queue.async { [self] in
            owner.wait()
            defer { owner.signal() }
            if process != nil, ContinuousClock.now - lastUsed >= idle { restart() }
        }
    }

    /// Stops the worker process now and waits until it is gone; its strategies reload into a fresh
    /// process on their next call.
    func stop() async {
        await onQueue { [self] in
            owner.wait()
            defer { owner.signal() }
            restart()
        }
    }

    /// After a completed call: a fresh worker once this one served enough calls or grew too big.
    /// The RSS is read on the first call of a worker and then at most every `rssCheckInterval`:
    /// reading /proc costs about as much as a whole short call.
    private func recycleIfDue() {
        calls += 1
        guard let p = process else { return }
        var tooBig = false
        let now = ContinuousClock.now
        if lastRSSCheck.map({ now - $0 >= rssCheckInterval }) ?? true {
            lastRSSCheck = now
            tooBig = Self.residentBytes(p.pid) > rssLimit
        }
        if calls >= recycleAfter || tooBig {
            logger.info("sandbox worker recycled", metadata: ["pid": "\(p.pid)", "calls": "\(calls)",
                                                             "reason": "\(tooBig ? "rss" : "calls")"])
            restart()
            calls = 0
        }
    }

    /// The resident set of `pid` in bytes (0 when unknown), from /proc/pid/statm.
    static func residentBytes(_ pid: Int32) -> Int {
        let fd = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { return 0 }
        let fields = buffer[..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Loads a strategy; returns the host-side handle and whether `main` takes `ctx`.
    func load(_ source: StrategySource, limits: StrategyLimits) async throws(StrategyError) -> (UInt32, Bool) {
        let result: Result<(UInt32, Bool), StrategyError> = await onQueue { [self] in
            owner.wait()
            defer { owner.signal() }
            do throws(StrategyError) {
                let (remote, ctx) = try loadOnWorker(source, limits: limits)
                let handle = nextHandle
                nextHandle += 1
                sources[handle] = (source, limits)
                remoteHandles[handle] = remote
                lastUsed = .now
                return .success((handle, ctx))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Runs a loaded strategy on a frame.
    func run(handle: UInt32, frame: CandleFrame, context: StrategyCallContext) async throws(StrategyError) -> StrategyOutcome {
        if owner.wait(timeout: .now()) == .success {
            let start = ContinuousClock.now
            switch attempt(handle: handle, frame: frame, context: context) {
            case .done(let result):
                owner.signal()
                return try result.get()
            case .pending(let call):
                let result: Result<StrategyOutcome, StrategyError> = await withCheckedContinuation { c in
                    replies.async { [self] in
                        let result = complete(call, start: start)
                        owner.signal()
                        c.resume(returning: result)
                    }
                }
                return try result.get()
            case .onQueue(let resend):
                owner.signal()
                return try await runOnQueue(handle: handle, frame: frame, context: context, resend: resend)
            }
        }
        return try await runOnQueue(handle: handle, frame: frame, context: context, resend: false)
    }

    /// Runs a loaded strategy on every window of `lookback` candles of `window` ending at
    /// `firstEnd` and after, in one request (a parallel backtest's block): the results in order.
    /// Awaited on `queue`, never on the cooperative pool. Its deadline is the strategy's timeout
    /// per window plus 5 s; past it, or when the worker dies, the whole block fails (and the
    /// worker is restarted), so the caller can run the block again call by call.
    func runWindows(handle: UInt32, window: CandleWindow, firstEnd: Int, lookback: Int,
                    context: StrategyCallContext) async throws(StrategyError) -> [Result<StrategyOutcome, StrategyError>] {
        let result: Result<[Result<StrategyOutcome, StrategyError>], StrategyError> = await onQueue { [self] in
            owner.wait()
            defer { owner.signal() }
            return Result { () throws(StrategyError) -> [Result<StrategyOutcome, StrategyError>] in
                guard let (source, limits) = sources[handle] else { throw StrategyError(.invalidInput, "unknown strategy handle") }
                let count = max(0, window.count - firstEnd)
                let request = { [self] () throws(StrategyError) -> WorkerRequest in
                    try ensureStarted()
                    if remoteHandles[handle] == nil { remoteHandles[handle] = try loadOnWorker(source, limits: limits).0 }
                    return .runWindows(handle: remoteHandles[handle]!, candles: window, firstEnd: UInt32(firstEnd), lookback: UInt32(lookback),
                                       context: context)
                }
                let deadline = limits.timeout * count + .seconds(5)
                var reply: WorkerResponse
                do throws(StrategyError) {
                    reply = try exchange(try request(), deadline: deadline, limits: limits, id: source.id)
                } catch where error.code == .workerRestarted {
                    remoteHandles[handle] = nil
                    reply = try exchange(try request(), deadline: deadline, limits: limits, id: source.id)
                }
                consecutiveCrashes = 0
                lastUsed = .now
                recycleIfDue()
                switch reply {
                case .outcomes(let each) where each.count == count:
                    return each.map { r in
                        switch r {
                        case .outcome(let o): return .success(o)
                        case .failure(var e):
                            e.strategyID = source.id
                            return .failure(e)
                        default: return .failure(StrategyError(.crashed, "the worker answered a window with \(r)", strategyID: source.id))
                        }
                    }
                case .failure(var e):
                    e.strategyID = source.id
                    throw e
                default:
                    throw StrategyError(.crashed, "the worker answered \(count) windows with \(reply)", strategyID: source.id)
                }
            }
        }
        return try result.get()
    }

    private func runOnQueue(handle: UInt32, frame: CandleFrame, context: StrategyCallContext,
                            resend: Bool) async throws(StrategyError) -> StrategyOutcome {
        let result: Result<StrategyOutcome, StrategyError> = await onQueue { [self] in
            owner.wait()
            defer { owner.signal() }
            return runOwned(handle: handle, frame: frame, context: context, resend: resend)
        }
        return try result.get()
    }

    /// A run sent from the caller's thread whose reply was not in within the poll.
    private struct PendingRun {
        let handle: UInt32
        let frame: CandleFrame
        let context: StrategyCallContext
        let end: ContinuousClock.Instant
        var received: [UInt8]
    }

    private enum Attempt {
        case done(Result<StrategyOutcome, StrategyError>)
        case pending(PendingRun)
        /// Not for the caller's thread: nothing sent yet, or the frame must be sent again.
        case onQueue(resend: Bool)
    }

    /// The caller's-thread try (owner held): only for a running worker that holds the strategy.
    private func attempt(handle: UInt32, frame: CandleFrame, context: StrategyCallContext) -> Attempt {
        guard let (source, limits) = sources[handle], let remote = remoteHandles[handle],
              let p = process, p.isRunning else { return .onQueue(resend: false) }
        let start = ContinuousClock.now
        let request = runRequest(remote: remote, frame: frame, context: context, resend: false)
        guard WorkerServer.writeAll(fd: p.input, request.encode()) else { return .onQueue(resend: false) }  // dead: restarted there
        let typical = Duration.nanoseconds(Int64(min(typicalNanos[handle] ?? 0, 1 << 40)))
        let pollUntil = start + max(spinFloor, min(typical * 1.25 + .microseconds(30), spinLimit))
        var call = PendingRun(handle: handle, frame: frame, context: context, end: start + Self.deadline(limits), received: [])
        while ContinuousClock.now < pollUntil {
            var pfd = pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 0) > 0 {
                let r = chunk.withUnsafeMutableBytes { read(outputFD, $0.baseAddress!, $0.count) }
                guard r > 0 else { return .pending(call) }  // closed or failed: the slow path says why
                call.received += chunk[..<r]
                if let body = Self.frameBody(call.received) {
                    guard body.count + 4 == call.received.count else {
                        restart()
                        return .done(.failure(StrategyError(.crashed, "the worker sent bytes past its reply; it was restarted",
                                                            strategyID: source.id)))
                    }
                    let reply = decode(body, limits: limits, id: source.id)
                    if case .success(.frameMissing) = reply { return .onQueue(resend: true) }
                    return .done(outcome(reply, handle: handle, start: start))
                }
            } else {
                sched_yield()  // polling must not keep the worker process off a core
            }
        }
        return .pending(call)
    }

    /// The rest of a pending run, on `replies` (owner held).
    private func complete(_ call: PendingRun, start: ContinuousClock.Instant) -> Result<StrategyOutcome, StrategyError> {
        guard let (source, limits) = sources[call.handle] else { return .failure(StrategyError(.invalidInput, "unknown strategy handle")) }
        let reply = Result { () throws(StrategyError) -> WorkerResponse in
            try receive(after: call.received, until: call.end, deadline: Self.deadline(limits), limits: limits, id: source.id)
        }
        return finish(reply, call: call, start: start)
    }

    /// A run's reply turned into its result; a `frameMissing` one is sent again with the window.
    private func finish(_ reply: Result<WorkerResponse, StrategyError>, call: PendingRun,
                        start: ContinuousClock.Instant) -> Result<StrategyOutcome, StrategyError> {
        if case .success(.frameMissing) = reply {
            return runOwned(handle: call.handle, frame: call.frame, context: call.context, resend: true)
        }
        return outcome(reply, handle: call.handle, start: start)
    }

    /// A run request. The candles go along when the worker does not hold the frame (or `resend`):
    /// as the newest candles after a frame it holds when the window continues one, else whole.
    /// The frame is then counted as held (a failed send restarts the worker, which forgets it).
    private func runRequest(remote: UInt32, frame: CandleFrame, context: StrategyCallContext, resend: Bool) -> WorkerRequest {
        var candles = WindowPayload.held
        if resend || !frames.contains(frame.id) {
            candles = resend ? .full(frame.window) : .sliding(to: frame.window, from: frames)
            frames.insert(frame.id, frame.window)
        }
        return .run(handle: remote, frameID: frame.id, candles: candles, context: context)
    }

    /// How long a run may take before its worker is killed: the strategy's timeout plus the pipe.
    private static func deadline(_ limits: StrategyLimits) -> Duration { limits.timeout + .milliseconds(50) }

    /// The complete frame body in `bytes`, if it is all there.
    private static func frameBody(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 4 else { return nil }
        let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard bytes.count >= 4 + n else { return nil }
        return Array(bytes[4..<(4 + n)])
    }

    /// Runs on the holder of `owner`, start to end: starts or reloads the worker as needed.
    private func runOwned(handle: UInt32, frame: CandleFrame, context: StrategyCallContext,
                          resend: Bool = false) -> Result<StrategyOutcome, StrategyError> {
        let start = ContinuousClock.now
        let reply = Result { () throws(StrategyError) -> WorkerResponse in
            guard let (source, limits) = sources[handle] else { throw StrategyError(.invalidInput, "unknown strategy handle") }
            try ensureStarted()  // a worker found dead is replaced here, before handles are looked up
            if remoteHandles[handle] == nil {  // the worker was restarted since: load again first
                remoteHandles[handle] = try loadOnWorker(source, limits: limits).0
            }
            func call(resend: Bool) throws(StrategyError) -> WorkerResponse {
                let request = runRequest(remote: remoteHandles[handle]!, frame: frame, context: context, resend: resend)
                return try exchange(request, deadline: Self.deadline(limits), limits: limits, id: source.id)
            }
            var reply: WorkerResponse
            do throws(StrategyError) {
                reply = try call(resend: resend)
            } catch where error.code == .workerRestarted {
                remoteHandles[handle] = try loadOnWorker(source, limits: limits).0
                reply = try call(resend: false)
            }
            if case .frameMissing = reply { reply = try call(resend: true) }
            return reply
        }
        return outcome(reply, handle: handle, start: start)
    }

    /// Book-keeping after a reply, and the run's result.
    private func outcome(_ reply: Result<WorkerResponse, StrategyError>, handle: UInt32,
                         start: ContinuousClock.Instant) -> Result<StrategyOutcome, StrategyError> {
        let id = sources[handle]?.0.id ?? "?"
        let response: WorkerResponse
        switch reply {
        case .success(let r): response = r
        case .failure(let e): return .failure(e)
        }
        let took = UInt64(max(0, (ContinuousClock.now - start) / .nanoseconds(1)))
        typicalNanos[handle] = typicalNanos[handle].map { ($0 * 7 + took) / 8 } ?? took
        consecutiveCrashes = 0
        lastUsed = .now
        recycleIfDue()
        switch response {
        case .outcome(let o): return .success(o)
        case .failure(var e):
            e.strategyID = id
            return .failure(e)
        case .loaded, .frameMissing, .hello, .outcomes:
            return .failure(StrategyError(.crashed, "the worker answered a run with \(response)", strategyID: id))
        }
    }

    /// Runs `body` on the worker's queue. (Polling for the result here, as in-process calls do,
    /// measured slower: the poller takes a core from the worker process on a 2-core machine.)
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in queue.async { c.resume(returning: body()) } }
    }

    private func loadOnWorker(_ source: StrategySource, limits: StrategyLimits) throws(StrategyError) -> (UInt32, Bool) {
        switch try exchange(.load(source, limits), deadline: limits.loadTimeout + .seconds(20), limits: limits, id: source.id) {
        case .loaded(let h, let ctx): return (h, ctx)
        case .failure(var e):
            e.strategyID = source.id
            throw e
        case .outcome, .frameMissing, .hello, .outcomes:
            throw StrategyError(.crashed, "the worker answered a load with a run reply", strategyID: source.id)
        }
    }

    /// Sends one request and waits for its answer until `deadline`; kills the worker past it.
    private func exchange(_ request: WorkerRequest, deadline: Duration, limits: StrategyLimits, id: String) throws(StrategyError) -> WorkerResponse {
        try ensureStarted()
        if process.map({ WorkerServer.writeAll(fd: $0.input, request.encode()) }) != true {
            // The worker died while idle: start a fresh one and send the request there, once.
            restart()
            try ensureStarted()
            if case .run = request { throw StrategyError(.workerRestarted, "the worker had died; retry after the reload", strategyID: id) }
            guard let p = process, WorkerServer.writeAll(fd: p.input, request.encode()) else {
                restart()
                throw StrategyError(.crashed, "the worker process cannot be started", strategyID: id)
            }
        }
        return try receive(after: [], until: ContinuousClock.now + deadline, deadline: deadline, limits: limits, id: id)
    }

    /// Reads the rest of a reply whose first bytes are `received`, until `end`.
    private func receive(after received: [UInt8], until end: ContinuousClock.Instant, deadline: Duration, limits: StrategyLimits,
                         id: String) throws(StrategyError) -> WorkerResponse {
        var bytes = received
        if bytes.count < 4 {
            guard let more = readExactly(4 - bytes.count, until: end) else { throw failure(id: id, end: end, deadline: deadline) }
            bytes += more
        }
        let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard n <= Wire.maxFrame else { throw failure(id: id, end: end, deadline: deadline) }
        if bytes.count < 4 + n {
            guard let more = readExactly(4 + n - bytes.count, until: end) else { throw failure(id: id, end: end, deadline: deadline) }
            bytes += more
        }
        guard bytes.count == 4 + n else {
            restart()
            throw StrategyError(.crashed, "the worker sent bytes past its reply; it was restarted", strategyID: id)
        }
        return try decode(Array(bytes[4...]), limits: limits, id: id).get()
    }

    private func decode(_ body: [UInt8], limits: StrategyLimits, id: String) -> Result<WorkerResponse, StrategyError> {
        do {
            return .success(try WorkerResponse.decode(body, limits: limits))
        } catch {
            restart()
            return .failure(StrategyError(.crashed, "the worker sent a malformed reply (\(error)); it was restarted", strategyID: id))
        }
    }

    /// Why a read ended early: the deadline (the worker is killed) or the worker's death.
    private func failure(id: String, end: ContinuousClock.Instant, deadline: Duration) -> StrategyError {
        let timedOut = ContinuousClock.now >= end
        let status = process.map { p -> String in
            if timedOut { p.kill() }
            for _ in 0..<200 where p.isRunning { usleep(5_000) }
            return p.termination
        } ?? "not started"
        logger.warning(timedOut ? "sandbox worker killed past a call's deadline" : "sandbox worker died during a call",
                       metadata: ["strategy": "\(id)", "pid": "\(process.map { "\($0.pid)" } ?? "-")", "status": "\(status)"])
        restart()
        if !timedOut { consecutiveCrashes += 1 }
        if timedOut {
            return StrategyError(.timeout, "the call passed its \(deadline) deadline; the worker process was killed and will be restarted",
                                 strategyID: id)
        }
        return StrategyError(.crashed, "the worker process died during the call (\(status)); it will be restarted", strategyID: id)
    }

    private func readExactly(_ count: Int, until end: ContinuousClock.Instant) -> [UInt8]? {
        process?.readExactly(count, until: end)
    }

    private func ensureStarted() throws(StrategyError) {
        if let p = process, p.isRunning { return }
        if consecutiveCrashes > 0 {  // back off a crash loop (on this queue, never the cooperative pool)
            usleep(UInt32(min(5_000_000, 100_000 << min(consecutiveCrashes - 1, 6))))
        }
        if process != nil { restart() }
        // An empty environment: no secrets are inherited. TRADECTL_HOME only locates python/.
        var env: [String: String] = [:]
        if let home = HostConfiguration.projectRoot { env["TRADECTL_HOME"] = home }
        let p = try WorkerProcess(executable: executable, arguments: arguments, environment: env, logger: logger)
        process = p
        if consecutiveCrashes > 0 { logger.info("sandbox worker restarted", metadata: ["pid": "\(p.pid)", "crashes": "\(consecutiveCrashes)"]) }
        do throws(StrategyError) {
            sandbox = try awaitHello(p)
        } catch {
            restart()
            consecutiveCrashes += 1
            throw error
        }
    }

    /// Reads the worker's hello and holds its confinement to `policy`.
    private func awaitHello(_ p: WorkerProcess) throws(StrategyError) -> SandboxReport {
        let sandbox = try p.hello(until: .now + Self.startTimeout)
        let missing = sandbox.missing(hostIsRoot: geteuid() == 0)
        if !missing.isEmpty {
            let metadata: Logger.Metadata = ["pid": "\(p.pid)", "missing": "\(missing.joined(separator: ","))", "sandbox": "\(sandbox)"]
            if policy == .strict {
                logger.error("sandbox worker refused: kernel protections missing", metadata: metadata)
                throw StrategyError(.unsupported, "the sandbox worker lacks \(missing.joined(separator: ", ")) (\(sandbox)); "
                                    + "HostConfiguration.workerSandbox = .bestEffort runs it anyway")
            }
            logger.error("sandbox worker runs without some kernel protections", metadata: metadata)
        } else {
            logger.debug("sandbox worker started", metadata: ["pid": "\(p.pid)", "sandbox": "\(sandbox)"])
        }
        return sandbox
    }

    /// How long a fresh worker may take to confine itself, start Python and import numpy/pandas.
    static let startTimeout: Duration = .seconds(30)

    /// Forgets the current worker (killing it if needed); handles reload on the next call.
    private func restart() {
        process?.kill()
        process = nil
        sandbox = nil
        remoteHandles.removeAll()
        frames.removeAll()
        lastRSSCheck = nil
    }

    /// The worker's pid, for tests and operators.
    var pid: Int32? {
        queue.sync {
            owner.wait()
            defer { owner.signal() }
            return process?.pid
        }
    }

    /// The running worker's kernel confinement (nil before it starts).
    var sandboxReport: SandboxReport? {
        queue.sync {
            owner.wait()
            defer { owner.signal() }
            return sandbox
        }
    }
}

/// A strategy living in a `ProcessWorker`.
struct RemoteStrategy: Sendable {
    let worker: ProcessWorker
    let handle: UInt32
}
