import Foundation
import Synchronization

/// A long-lived `tradectl sandbox-worker` process and the strategies loaded into it.
///
/// Calls are serialised on a private queue (never the cooperative pool). A call past its
/// deadline gets the worker killed: that call fails with `timeout`; a worker that dies on its
/// own fails the call with `crashed`. The next call starts a fresh worker and reloads every
/// strategy it held, so other strategies on it carry on.
///
/// `@unchecked Sendable`: all mutable state is touched only on `queue`.
final class ProcessWorker: @unchecked Sendable {
    let executable: String
    /// `sandbox-worker` and its options.
    let arguments: [String]
    /// Recycle the worker after this many calls, or once its RSS passes `rssLimit` bytes.
    let recycleAfter: Int
    let rssLimit: Int
    private var calls = 0
    /// Crashes since the last successful call: a fresh worker waits 100 ms × 2^(n−1), at most 5 s.
    private var consecutiveCrashes = 0
    private let queue = DispatchQueue(label: "tradectl.process-worker")
    private var process: Process?
    private var input: FileHandle?
    private var outputFD: Int32 = -1
    /// Sources by host-side handle, to reload after a restart.
    private var sources: [UInt32: (StrategySource, StrategyLimits)] = [:]
    /// Host-side handle → the running worker's handle.
    private var remoteHandles: [UInt32: UInt32] = [:]
    private var nextHandle: UInt32 = 1
    /// When the last load or call ended, for idle eviction.
    private var lastUsed = ContinuousClock.now

    init(executable: String, arguments: [String] = ["sandbox-worker"], recycleAfter: Int = 10_000, rssLimit: Int = 2 << 30) {
        self.arguments = arguments
        self.executable = executable
        self.recycleAfter = recycleAfter
        self.rssLimit = rssLimit
    }

    /// Stops the worker process if it has been idle for `idle`; its strategies stay loaded on
    /// this side and are reloaded into a fresh process by their next call.
    func evictIfIdle(_ idle: Duration) {
        queue.async { [self] in
            if process != nil, ContinuousClock.now - lastUsed >= idle { restart() }
        }
    }

    /// After a completed call: a fresh worker once this one served enough calls or grew too big.
    private func recycleIfDue() {
        calls += 1
        guard let p = process else { return }
        if calls >= recycleAfter || Self.residentBytes(p.processIdentifier) > rssLimit {
            restart()
            calls = 0
        }
    }

    static func residentBytes(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib * 1024
    }

    deinit {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }

    /// Loads a strategy; returns the host-side handle and whether `main` takes `ctx`.
    func load(_ source: StrategySource, limits: StrategyLimits) async throws(StrategyError) -> (UInt32, Bool) {
        let result: Result<(UInt32, Bool), StrategyError> = await onQueue { [self] in
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

    /// Runs a loaded strategy on a window.
    func run(handle: UInt32, window: CandleWindow, context: StrategyCallContext) async throws(StrategyError) -> StrategyOutcome {
        let result: Result<StrategyOutcome, StrategyError> = await onQueue { [self] in
            do throws(StrategyError) {
                guard let (source, limits) = sources[handle] else { throw StrategyError(.invalidInput, "unknown strategy handle") }
                try ensureStarted()  // a worker found dead is replaced here, before handles are looked up
                if remoteHandles[handle] == nil {  // the worker was restarted since: load again first
                    remoteHandles[handle] = try loadOnWorker(source, limits: limits).0
                }
                var request = WorkerRequest.run(handle: remoteHandles[handle]!, window: window, context: context)
                let reply: WorkerResponse
                do throws(StrategyError) {
                    reply = try exchange(request, deadline: limits.timeout + .milliseconds(50), limits: limits, id: source.id)
                } catch where error.code == .workerRestarted {
                    remoteHandles[handle] = try loadOnWorker(source, limits: limits).0
                    request = .run(handle: remoteHandles[handle]!, window: window, context: context)
                    reply = try exchange(request, deadline: limits.timeout + .milliseconds(50), limits: limits, id: source.id)
                }
                consecutiveCrashes = 0
                lastUsed = .now
                recycleIfDue()
                switch reply {
                case .outcome(let o): return .success(o)
                case .failure(var e):
                    e.strategyID = source.id
                    return .failure(e)
                case .loaded: throw StrategyError(.crashed, "the worker answered a run with a load reply", strategyID: source.id)
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
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
        case .outcome: throw StrategyError(.crashed, "the worker answered a load with a run reply", strategyID: source.id)
        }
    }

    /// Sends one request and waits for its answer until `deadline`; kills the worker past it.
    private func exchange(_ request: WorkerRequest, deadline: Duration, limits: StrategyLimits, id: String) throws(StrategyError) -> WorkerResponse {
        try ensureStarted()
        if input.map({ WorkerServer.writeAll(fd: $0.fileDescriptor, request.encode()) }) != true {
            // The worker died while idle: start a fresh one and send the request there, once.
            restart()
            try ensureStarted()
            if case .run = request { throw StrategyError(.workerRestarted, "the worker had died; retry after the reload", strategyID: id) }
            guard let input, WorkerServer.writeAll(fd: input.fileDescriptor, request.encode()) else {
                restart()
                throw StrategyError(.crashed, "the worker process cannot be started", strategyID: id)
            }
        }
        let end = ContinuousClock.now + deadline
        guard let header = readExactly(4, until: end) else { throw failure(id: id, end: end, deadline: deadline) }
        let n = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        guard n <= Wire.maxFrame, let body = readExactly(n, until: end) else { throw failure(id: id, end: end, deadline: deadline) }
        do {
            return try WorkerResponse.decode(body, limits: limits)
        } catch {
            restart()
            throw StrategyError(.crashed, "the worker sent a malformed reply (\(error)); it was restarted", strategyID: id)
        }
    }

    /// Why a read ended early: the deadline (the worker is killed) or the worker's death.
    private func failure(id: String, end: ContinuousClock.Instant, deadline: Duration) -> StrategyError {
        let timedOut = ContinuousClock.now >= end
        let status = process.map { p -> String in
            if timedOut { kill(p.processIdentifier, SIGKILL) }
            for _ in 0..<200 where p.isRunning { usleep(5_000) }
            return p.isRunning ? "still running" : "exit status \(p.terminationStatus)"
        } ?? "not started"
        restart()
        if !timedOut { consecutiveCrashes += 1 }
        if timedOut {
            return StrategyError(.timeout, "the call passed its \(deadline) deadline; the worker process was killed and will be restarted",
                                 strategyID: id)
        }
        return StrategyError(.crashed, "the worker process died during the call (\(status)); it will be restarted", strategyID: id)
    }

    private func readExactly(_ count: Int, until end: ContinuousClock.Instant) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let left = end - .now
            guard left > .zero else { return nil }
            var pfd = pollfd(fd: outputFD, events: Int16(POLLIN), revents: 0)
            let ms = Int32(max(1.0, min(Double(Int32.max), left / .milliseconds(1))))
            let ready = poll(&pfd, 1, ms)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let r = out.withUnsafeMutableBytes { read(outputFD, $0.baseAddress! + got, count - got) }
            if r > 0 { got += r } else if r < 0 && errno == EINTR { continue } else { return nil }
        }
        return out
    }

    private func ensureStarted() throws(StrategyError) {
        if let p = process, p.isRunning { return }
        signal(SIGPIPE, SIG_IGN)  // a dead worker must give EPIPE, not end the host
        if consecutiveCrashes > 0 {  // back off a crash loop (on this queue, never the cooperative pool)
            usleep(UInt32(min(5_000_000, 100_000 << min(consecutiveCrashes - 1, 6))))
        }
        if process != nil { restart() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        // An empty environment: no secrets are inherited. TRADECTL_HOME only locates python/.
        var env: [String: String] = [:]
        if let home = HostConfiguration.projectRoot { env["TRADECTL_HOME"] = home }
        p.environment = env
        let toWorker = Pipe(), fromWorker = Pipe()
        p.standardInput = toWorker
        p.standardOutput = fromWorker
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            throw StrategyError(.unsupported, "cannot start the worker process \(executable): \(error)")
        }
        process = p
        input = toWorker.fileHandleForWriting
        outputFD = fromWorker.fileHandleForReading.fileDescriptor
        outputHandle = fromWorker.fileHandleForReading
    }

    private var outputHandle: FileHandle?

    /// Forgets the current worker (killing it if needed); handles reload on the next call.
    private func restart() {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL) }
        try? input?.close()
        try? outputHandle?.close()
        process = nil
        input = nil
        outputHandle = nil
        outputFD = -1
        remoteHandles.removeAll()
    }

    /// The worker's pid, for tests and operators.
    var pid: Int32? { queue.sync { process?.processIdentifier } }
}

/// A strategy living in a `ProcessWorker`.
struct RemoteStrategy: Sendable {
    let worker: ProcessWorker
    let handle: UInt32
}
