import CPython
import Dispatch
import Logging
import Synchronization

/// The embedded strategy runtime: loads strategies and runs them on candle frames, inside this
/// process, with per-call limits.
///
/// CPython is initialised once per process; every host shares the main interpreter (`shared`
/// strategies) and creates one sub-interpreter per `subinterpreter` strategy. All Python runs on
/// each interpreter's dedicated thread.
public final class StrategyHost: Sendable {
    public let configuration: HostConfiguration
    /// What is protected in this process, probed when CPython started.
    public let capabilities: HostCapabilities
    let main: Interpreter
    let logger: Logger
    /// `process`-level workers by placement key.
    private let workers = Mutex<[String: ProcessWorker]>([:])
    private let reaper = Mutex<IdleReaper?>(nil)
    /// The sub-interpreters this host started, by id, until they are unloaded.
    private let subs = Mutex<[Int: Interpreter]>([:])
    private static let validations = Atomic<Int>(0)

    /// Starts (or joins) the process's embedded Python.
    ///
    /// - Parameters:
    ///   - configuration: applied only by the first host of the process.
    ///   - logger: where load and limit events are reported.
    /// - Throws: `StrategyError` with code `unsupported` when CPython cannot start.
    public init(configuration: HostConfiguration = .discovered, logger: Logger = Logger(label: "tradectl.runtime")) async throws(StrategyError) {
        let booted = try await PythonProcess.main(configuration)
        self.configuration = configuration
        self.main = booted.interpreter
        self.capabilities = booted.capabilities
        self.logger = logger
        for note in booted.capabilities.notes { logger.debug("python capability", metadata: ["note": "\(note)"]) }
    }

    /// Loads a strategy: compiles it, runs its module code under the load limits and checks `main`.
    ///
    /// - Parameters:
    ///   - source: the strategy's code, id and version.
    ///   - isolation: `shared` (default) or `subinterpreter`.
    ///   - limits: per-call limits; `loadTimeout` bounds the import.
    /// - Returns: the loaded strategy.
    /// - Throws: `StrategyError` with code `load` (syntax error, no `main`, wrong signature, import
    ///   failure, numpy/pandas at `subinterpreter`), or `timeout`, `memory`, `sandbox` when the
    ///   module's import broke a limit; `unsupported` for `process`.
    public func load(_ source: StrategySource, isolation: IsolationLevel = .shared,
                     limits: StrategyLimits = StrategyLimits()) async throws(StrategyError) -> Strategy {
        let interp: Interpreter
        switch isolation {
        case .shared: interp = main
        case .subinterpreter:
            interp = try await Interpreter.startSub(id: PythonProcess.nextSubID(), main: main, config: configuration)
            subs.withLock { $0[interp.id] = interp }
        case .process:
            guard let exe = configuration.workerExecutable else {
                throw StrategyError(.unsupported, "isolation 'process' needs the tradectl-sandbox executable (HostConfiguration.workerExecutable)",
                                    strategyID: source.id)
            }
            let key = placementKey(source)
            let worker = workers.withLock { w -> ProcessWorker in
                if let existing = w[key] { return existing }
                let c = configuration
                let fresh = ProcessWorker(executable: exe, arguments: workerOptions(slot: Self.nextSlot()).arguments, policy: c.workerSandbox,
                                          logger: logger, recycleAfter: c.workerRecycleCalls, rssLimit: c.workerRSSLimit,
                                          spinFloor: c.callerSpin, spinLimit: c.callerSpinLimit)
                w[key] = fresh
                return fresh
            }
            startReaper()
            let (handle, takesContext) = try await worker.load(source, limits: limits)
            return Strategy(id: source.id, version: source.version, limits: limits, takesContext: takesContext,
                            remote: RemoteStrategy(worker: worker, handle: handle))
        }
        return try await interp.load(source, isolation: isolation, limits: limits)
    }

    /// Checks uploaded code by loading it in a sandbox worker of its own, started for this check
    /// and stopped after it: whatever the module allocates or leaves behind at import dies with that
    /// worker, and no author's long-lived worker grows with each upload.
    ///
    /// - Returns: whether `main` takes `ctx`.
    /// - Throws: `StrategyError` as `load` does at isolation `process`.
    public func validate(_ source: StrategySource, limits: StrategyLimits = StrategyLimits()) async throws(StrategyError) -> Bool {
        guard let exe = configuration.workerExecutable else {
            throw StrategyError(.unsupported, "validating needs the tradectl-sandbox executable (HostConfiguration.workerExecutable)",
                                strategyID: source.id)
        }
        let c = configuration
        let worker = ProcessWorker(executable: exe, arguments: workerOptions(slot: validationSlot()).arguments, policy: c.workerSandbox,
                                   logger: logger, recycleAfter: 1, rssLimit: c.workerRSSLimit)
        let loaded: Result<Bool, StrategyError>
        do {
            loaded = .success(try await worker.load(source, limits: limits).1)
        } catch {
            loaded = .failure(error)
        }
        await worker.stop()
        return try loaded.get()
    }

    /// Validation workers take the upper half of the process's slots (one each, recycled).
    private func validationSlot() -> Int { 2_048 + Self.validations.add(1, ordering: .relaxed).newValue % 2_047 }

    /// Slots of long-lived workers, shared by every host of the process (so two hosts in one
    /// process never give two workers one uid), recycled after 2,048.
    private static let slots = Atomic<Int>(0)
    static func nextSlot() -> Int { slots.add(1, ordering: .relaxed).newValue % 2_048 }

    /// The command line of the worker in `slot` (its own uid, so its own RLIMIT_NPROC account).
    func workerOptions(slot: Int) -> WorkerOptions {
        let c = configuration
        return WorkerOptions(readRoots: c.workerReadRoots, cpuSeconds: c.workerCPUSeconds, addressSpaceBytes: c.workerAddressSpace,
                             maxThreads: UInt64(c.workerMaxThreads), uid: Self.workerUID(base: c.workerUIDBase, slot: slot))
    }

    /// `base` + 4,096 uids per host process (by its pid) + the slot: the workers of two hosts on
    /// one machine (a `serve` and a `worker`, or tests in parallel) do not share uids.
    static func workerUID(base: UInt32, slot: Int, pid: Int32 = getpid()) -> UInt32 {
        base &+ (UInt32(truncatingIfNeeded: pid) & 0xFFFF) << 12 &+ UInt32(slot & 0xFFF)
    }

    /// Placement: by default one worker per author (per strategy when the author is unknown), so
    /// code from different authors never shares a process; with `workerPoolSize` N, worker
    /// (stable hash of the author) mod N.
    func placementKey(_ source: StrategySource) -> String {
        guard let size = configuration.workerPoolSize, size > 0 else {
            return source.author.map { "author:\($0)" } ?? "strategy:\(source.id)@\(source.version)#\(PythonProcess.nextSubID())"
        }
        var hash: UInt64 = 0xcbf29ce484222325  // FNV-1a: the same placement in every run
        for byte in (source.author ?? source.id).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        return "pool:\(hash % UInt64(size))"
    }

    /// Starts, once, the timer that stops workers idle past `workerIdleTimeout`.
    private func startReaper() {
        guard let idle = configuration.workerIdleTimeout else { return }
        reaper.withLock { timer in
            guard timer == nil else { return }
            let t = IdleReaper(every: min(idle / 2, .seconds(1))) { [weak self] in
                self?.workers.withLock { $0.values.forEach { $0.evictIfIdle(idle) } }
            }
            timer = t
        }
    }

    /// Unloads a strategy: a `subinterpreter` strategy's interpreter, watchdog and thread end
    /// (`Py_EndInterpreter`); at the other levels the strategy is only never called again (its
    /// module goes with its last reference, in its worker when that is recycled). Later calls fail
    /// with `unavailable` or `quarantined`.
    public func unload(_ strategy: Strategy) async {
        strategy.markQuarantined("the strategy was unloaded")
        guard strategy.isolation == .subinterpreter, let interp = strategy.interpreter,
              subs.withLock({ $0.removeValue(forKey: interp.id) }) != nil else { return }
        await interp.thread.perform { _ in  // the module and main go before their interpreter
            strategy.main.dropNow()
            strategy.module.dropNow()
        }
        await interp.end(main: main)
    }

    /// Stops what this host started: its `process` workers (killed and reaped), its idle reaper,
    /// and its sub-interpreters (ended with their threads and watchdogs). The main interpreter
    /// and its thread stay: CPython cannot start again in a process, and other hosts share it.
    public func shutdown() async {
        reaper.withLock { $0 = nil }
        for worker in workers.withLock({ w in defer { w.removeAll() }; return Array(w.values) }) { await worker.stop() }
        for interp in subs.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { await interp.end(main: main) }
    }

    /// Builds the shared frame for one (symbol, timeframe, candle). The Python objects are made
    /// lazily, once per interpreter, when the first strategy runs on it.
    ///
    /// - Throws: `StrategyError` with code `invalidInput` when the window is malformed.
    public func frame(_ window: CandleWindow) throws(StrategyError) -> CandleFrame {
        try CandleFrame(window)
    }

    /// Runs a strategy once on a frame.
    ///
    /// - Parameters:
    ///   - strategy: a strategy loaded by this process.
    ///   - frame: the candles; the last one just closed.
    ///   - context: `ctx.params` and `ctx.state` as JSON.
    /// - Returns: the validated signals, the new state and the captured output.
    /// - Throws: `StrategyError`: `exception`, `timeout`, `memory`, `sandbox`, `invalidSignal`,
    ///   `stateTooLarge`, `invalidState`, `quarantined` or `unavailable`. Output captured before
    ///   the failure travels in the error.
    public func run(_ strategy: Strategy, on frame: CandleFrame,
                    context: StrategyCallContext = StrategyCallContext()) async throws(StrategyError) -> StrategyOutcome {
        if let reason = strategy.quarantineReason {
            throw StrategyError(.quarantined, reason, strategyID: strategy.id)
        }
        do {
            if let remote = strategy.remote {
                return try await remote.worker.run(handle: remote.handle, frame: frame, context: context)
            }
            return try await strategy.interpreter.invoke(strategy, frame: frame, context: context)
        } catch {
            log(error, strategy)
            if error.code == .crashed, strategy.recordCrash() {
                logger.error("strategy quarantined", metadata: ["strategy": "\(strategy.id)", "reason": "\(strategy.quarantineReason ?? "")"])
            }
            throw error
        }
    }

    /// Logs a call's failure once, at the level it deserves: limits a strategy broke and crashes of
    /// its worker are warnings, the strategy's own exceptions and bad signals only debug (they are
    /// recorded with the execution), a quarantine an error. (Calls of a strategy already
    /// quarantined fail before they get here, unlogged.)
    private func log(_ error: StrategyError, _ strategy: Strategy) {
        let metadata: Logger.Metadata = ["strategy": "\(strategy.id)", "version": "\(strategy.version)", "code": "\(error.code)"]
        switch error.code {
        case .quarantined:
            logger.error("strategy quarantined", metadata: metadata.merging(["reason": "\(error.message)"]) { $1 })
        case .timeout, .memory, .sandbox, .crashed, .unavailable:
            logger.warning("strategy call failed", metadata: metadata.merging(["message": "\(error.message)"]) { $1 })
        default:
            logger.debug("strategy call failed", metadata: metadata.merging(["message": "\(error.message)"]) { $1 })
        }
    }

    /// Builds the frame's Python object in the main interpreter now (normally done by the first
    /// `run`), and returns how long that took in nanoseconds. For benchmarks.
    public func prebuild(_ frame: CandleFrame) async throws(StrategyError) -> UInt64 {
        let main = self.main
        return try await main.call { (py, once: ResumeOnce<UInt64>) in
            let start = DispatchTimeShim.now()
            do throws(PythonFailure) {
                _ = try frame.object(in: main, py)
                once.resume(.success(DispatchTimeShim.now() - start))
            } catch {
                once.resume(.failure(StrategyError(.invalidInput, "frame build failed: \(error.message)", traceback: error.traceback)))
            }
        }
    }
}

/// A repeating timer on its own queue.
///
/// `@unchecked Sendable`: the timer source is created in `init` and only cancelled in `deinit`.
final class IdleReaper: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(every period: Duration, _ tick: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "tradectl.worker-reaper"))
        let seconds = Double(period.components.seconds) + Double(period.components.attoseconds) / 1e18
        timer.schedule(deadline: .now() + seconds, repeating: max(seconds, 0.01))
        timer.setEventHandler(handler: tick)
        timer.resume()
    }

    deinit {
        timer.cancel()
    }
}
