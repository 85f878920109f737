import CPython
import Foundation

/// The worker's end of its channel to the host: the pipes the host gave it as stdin and stdout,
/// moved to close-on-exec descriptors above 2. Descriptors 0 and 1 then point at /dev/null, so
/// bytes a strategy or a C library writes to stdout never reach the protocol.
struct WorkerChannel {
    let input: Int32
    let output: Int32

    /// Takes over stdin and stdout; nil when the descriptors cannot be moved.
    static func takeStandardStreams() -> WorkerChannel? {
        let input = fcntl(0, F_DUPFD_CLOEXEC, 3), output = fcntl(1, F_DUPFD_CLOEXEC, 3)
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard input >= 0, output >= 0, null >= 0, dup2(null, 0) == 0, dup2(null, 1) == 1 else { return nil }
        if null > 2 { close(null) }
        return WorkerChannel(input: input, output: output)
    }

    /// The next request, or nil at end of input. Polls for `idlePoll` first, then blocks: the host
    /// often sends the next request right away (several strategies of one worker on a candle).
    /// Measured on the 2-core VM, A/B over three runs each: with a 50 µs poll, noop at `process`
    /// took +0.7 to +4 µs over `shared`, blocking at once +6 to +16 µs (a pipe wake-up), and sma500
    /// was no different. A 200 µs poll made sma500 slower when calls of both levels alternated: a
    /// polling worker takes a core from the host.
    func next(idlePoll: Duration = .microseconds(50)) -> [UInt8]? {
        let clock = ContinuousClock()
        let end = clock.now + idlePoll
        var pfd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        while poll(&pfd, 1, 0) == 0, clock.now < end {
            sched_yield()  // the host's thread may need this core to send the request
        }
        return WorkerServer.readFrame(fd: input)
    }

    /// Everything until the host closes the channel (the probe's code).
    func readToEnd() -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n > 0 { out += chunk[..<n] } else if n < 0 && errno == EINTR { continue } else { return out }
        }
    }

    func send(_ response: WorkerResponse) -> Bool {
        WorkerServer.writeAll(fd: output, response.encode())
    }
}

/// A worker's request loop. It runs on the main interpreter's own thread, with the GIL held except
/// while it waits for a request, so a call costs no hand-over between threads inside the worker.
struct WorkerSession {
    let host: StrategyHost
    let channel: WorkerChannel
    private var strategies: [UInt32: Strategy] = [:]
    private var frames = FrameCache<CandleFrame>()
    private var nextHandle: UInt32 = 1

    init(host: StrategyHost, channel: WorkerChannel) {
        self.host = host
        self.channel = channel
    }

    /// Serves until the host closes the channel. On the main interpreter's thread, GIL held.
    mutating func serve(_ py: PythonContext) {
        let thread = host.main.thread
        while true {
            thread.runQueued(py)  // e.g. releases of frames that left the cache
            let waiting = PyEval_SaveThread()
            let request = channel.next()
            PyEval_RestoreThread(waiting)
            guard let request, channel.send(respond(to: request, py)) else { return }
        }
    }

    private mutating func respond(to bytes: [UInt8], _ py: PythonContext) -> WorkerResponse {
        let request: WorkerRequest
        do {
            request = try WorkerRequest.decode(bytes)
        } catch {
            return .failure(StrategyError(.invalidInput, "malformed request: \(error)"))
        }
        // A call the watchdog abandons is not answered early here: the host kills the worker at
        // its deadline (timeout + 50 ms), well before the grace (500 ms by default) runs out.
        switch request {
        case .load(let source, let limits):
            let loaded = host.main.loadNow(source, isolation: .shared, limits: limits, py) { _ in }
                ?? .failure(Interpreter.quarantineError(source.id, timeout: limits.loadTimeout, grace: limits.grace))
            switch loaded {
            case .success(let s):
                strategies[nextHandle] = s
                nextHandle += 1
                return .loaded(handle: nextHandle - 1, takesContext: s.takesContext)
            case .failure(let error):
                return .failure(error)
            }
        case .run(let handle, let frameID, let candles, let context):
            guard let s = strategies[handle] else {
                return .failure(StrategyError(.invalidInput, "unknown strategy handle \(handle)"))
            }
            if let reason = s.quarantineReason { return .failure(StrategyError(.quarantined, reason, strategyID: s.id)) }
            var window: CandleWindow?
            switch candles {
            case .held: break
            case .full(let whole): window = whole
            case .slid(let base, let tail):
                // The host's list of held frames should match this one; if not, it sends the whole window.
                guard let slid = frames[base]?.window.sliding(by: tail) else { return .frameMissing(frameID) }
                window = slid
            }
            if let window {
                do {
                    frames.insert(frameID, try host.frame(window))
                } catch {
                    return .failure(error)
                }
            }
            guard let frame = frames[frameID] else { return .frameMissing(frameID) }
            return invoke(s, frame, context, py)
        case .runWindows(let handle, let candles, let firstEnd, let lookback, let context):
            guard let s = strategies[handle] else {
                return .failure(StrategyError(.invalidInput, "unknown strategy handle \(handle)"))
            }
            let ends = Int(firstEnd)..<candles.count
            guard ends.count <= Wire.maxWindows, lookback > 0 else {
                return .failure(StrategyError(.invalidInput, "runWindows: \(ends.count) windows of \(lookback) candles"))
            }
            var each: [WorkerResponse] = []
            each.reserveCapacity(ends.count)
            for end in ends {
                host.main.thread.runQueued(py)  // the frames of earlier windows are released as the block goes
                if let reason = s.quarantineReason {
                    each.append(.failure(StrategyError(.quarantined, reason, strategyID: s.id)))
                    continue
                }
                do throws(StrategyError) {
                    each.append(invoke(s, try host.frame(candles.window(endingAt: end, lookback: Int(lookback))), context, py))
                } catch {
                    each.append(.failure(error))
                }
            }
            return .outcomes(each)
        }
    }

    private func invoke(_ s: Strategy, _ frame: CandleFrame, _ context: StrategyCallContext, _ py: PythonContext) -> WorkerResponse {
        let ran = host.main.invokeNow(s, frame: frame, context: context, py) { _ in }
            ?? .failure(Interpreter.quarantineError(s.id, timeout: s.limits.timeout, grace: s.limits.grace))
        switch ran {
        case .success(let outcome): return .outcome(outcome)
        case .failure(let error): return .failure(error)
        }
    }
}
