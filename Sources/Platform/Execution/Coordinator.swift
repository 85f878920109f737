import Foundation
import StrategyRuntime

/// A strategy version loaded into the runtime, ready to execute.
public struct LoadedVersion: Sendable {
    public let version: StoredVersion
    public let strategy: Strategy

    public init(version: StoredVersion, strategy: Strategy) {
        self.version = version
        self.strategy = strategy
    }
}

/// Runs each execution key exactly once: lock, read, run the strategy once, then match the candle
/// and place the strategy's orders on the reference account and on every subscriber's, and record
/// all of it with the execution row in ONE transaction, release.
public final class Coordinator: Sendable {
    public let db: PlatformDatabase
    public let host: StrategyHost
    public let lock: any ExecutionLock
    /// Slippage of market and stop fills on the paper exchange, in basis points (fees come from
    /// the symbol's rules).
    public let slippageBps: Double
    public let worker: String
    public let settings: any SettingsCache
    /// The lock's time to live; it is renewed while the execution runs, so a dead worker
    /// blocks its key for at most this long.
    public var lockTTL: Duration { .seconds(2) }
    /// Called for each subscriber with orders inside the commit (tests inject faults).
    let afterSubscriber: (@Sendable (Int) throws -> Void)?
    /// Sends live subscribers' orders to their exchanges after each commit (nil: they are
    /// recorded pending and never sent; they are never matched on paper either).
    public let live: LiveDispatch?

    /// When an execution's fan-out journal entry is expanded into the tables.
    public enum Projection: Sendable {
        /// Right after each commit, before `execute` returns (backtests, webhooks, tests).
        case afterEachCommit
        /// When the owner calls `PlatformDatabase.projectFanouts()`, e.g. the worker after each
        /// scheduling pass: the commits of one candle close do not wait for each other's expansion.
        case deferred
    }
    public let projection: Projection

    /// - Throws: `PlatformError.invalidInput` when `slippageBps` is outside 0…1000.
    public convenience init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock = InProcessLock(),
                            settings: (any SettingsCache)? = nil, slippageBps: Double = 0, worker: String = "local",
                            projection: Projection = .afterEachCommit, live: LiveDispatch? = nil) throws(PlatformError) {
        try self.init(db: db, host: host, lock: lock, settings: settings, slippageBps: slippageBps, worker: worker, projection: projection,
                      afterSubscriber: nil, live: live)
    }

    init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock, settings: (any SettingsCache)? = nil,
         slippageBps: Double, worker: String, projection: Projection = .afterEachCommit,
         afterSubscriber: (@Sendable (Int) throws -> Void)?, live: LiveDispatch? = nil) throws(PlatformError) {
        guard slippageBps >= 0, slippageBps <= 1_000 else {
            throw PlatformError(.invalidInput, "slippageBps must be from 0 to 1000, got \(slippageBps)", field: "slippageBps")
        }
        self.db = db
        self.projection = projection
        self.settings = settings ?? LocalSettings(db: db)
        self.host = host
        self.lock = lock
        self.slippageBps = slippageBps
        self.worker = worker
        self.afterSubscriber = afterSubscriber
        self.live = live
    }

    /// Executes `loaded` on the candle that closes `frame`'s window.
    ///
    /// - Returns: the report; `.busy` when another worker holds the key, `.alreadyExecuted` when it
    ///   ran before. A strategy failure is committed with its error code as the status (the
    ///   candle's fills are still recorded; the strategy sees them on its next call).
    /// - Throws: `PlatformError` for storage and lock failures; nothing is half-written.
    public func execute(_ loaded: LoadedVersion, frame: CandleFrame) async throws(PlatformError) -> ExecutionReport {
        let w = frame.window
        let key = ExecutionKey(versionID: loaded.version.id, symbol: w.symbol, timeframe: w.timeframe, candleTime: w.times[w.count - 1])
        var report = ExecutionReport(key: key, outcome: .busy)
        let clock = ContinuousClock()
        var mark = clock.now
        func lap() -> Int {
            let now = clock.now
            defer { mark = now }
            return Int((now - mark) / .microseconds(1))
        }

        guard let lease = try await lock.acquire(key.description, ttl: lockTTL) else {
            return report
        }
        report.lockMicros = lap()
        var symbolRules: SymbolRules?
        do throws(PlatformError) {
            let (done, state) = try db.preflight(key: key, strategyID: loaded.version.strategyID)
            let rules = try await settings.rules(key.symbol)
            symbolRules = rules
            if done {
                report.outcome = .alreadyExecuted
                await lock.release(lease)
                return report
            }
            let bar = Self.bar(w)
            var reference = try referenceStep(loaded.version, symbol: key.symbol, rules: rules, bar: bar)
            report.dataMicros = lap()
            var params = loaded.version.spec.params
            if let named = BotSignals.namedStrategy(params) {  // a DCA bot started by a strategy's signals
                let d = Timeframe(rawValue: key.timeframe)?.milliseconds ?? 60_000
                params = BotSignals.params(params, signals: try db.signalActions(strategyID: named, symbol: key.symbol,
                                                                                 after: key.candleTime - 2 * d, through: key.candleTime))
            }
            let context = StrategyCallContext(paramsJSON: params, stateJSON: state, accountJSON: reference.accountJSON,
                                              rulesJSON: ReferenceStep.rulesJSON(reference.exchange.rules))
            var run: Result<StrategyOutcome, StrategyError>
            do {
                run = .success(try await host.run(loaded.strategy, on: frame, context: context))
            } catch {
                run = .failure(error)
            }
            if case .success(let out) = run, let bad = Self.invalid(out.signals, symbol: key.symbol, strategyID: loaded.strategy.id) {
                run = .failure(bad)  // a `process` worker's reply is checked like any input from outside
            }
            report.strategyMicros = lap()
            let outcome = try? run.get()
            let failure: StrategyError? = { if case .failure(let e) = run { return e }; return nil }()
            let signals = outcome?.signals ?? []
            let accepted = outcome.map { reference.apply($0.intents, signals: $0.signals, bar: bar) } ?? []
            var record = ExecutionRecord(
                key: key, strategyID: loaded.version.strategyID, status: failure?.code.description ?? "ok", error: failure,
                stdout: outcome?.stdout ?? failure?.stdout ?? "", stderr: outcome?.stderr ?? failure?.stderr ?? "",
                signals: signals, newStateJSON: outcome.map(\.stateJSON).flatMap { $0 == state ? nil : $0 },
                reference: (reference.state, reference.equity(at: bar)), worker: worker,
                micros: (report.lockMicros, report.dataMicros, report.strategyMicros))
            record.fenced = true
            let fanout = try OrderFanout(rules: rules, slippageBps: slippageBps, bar: bar, signals: signals, intents: accepted,
                                         referenceCapital: loaded.version.spec.reference.capital)
            let result = try db.commit(record, rules: rules, fanOut: fanout.run, afterSubscriber: afterSubscriber,
                                       live: LiveDispatch.recorder(key: key, strategyID: record.strategyID, fanout: fanout))
            report.fanoutMicros = result.fanoutMicros
            report.commitMicros = result.commitMicros
            report.executionID = result.executionID
            report.pythonNanos = outcome?.strategyNanos ?? 0
            if result.skipped != nil {  // stopped, paused or replaced while it ran: nothing placed
                report.outcome = .committed(status: "skipped")
                await lock.release(lease)
                return report
            }
            report.outcome = .committed(status: record.status)
            report.signals = signals
            report.intents = accepted
            report.pythonNanos = outcome?.strategyNanos ?? 0
            report.ordersFilled = result.fills
            report.ordersSkipped = result.rejected
        } catch {
            await lock.release(lease)
            if error.code == .duplicateExecution {
                report.outcome = .alreadyExecuted
                return report
            }
            throw error
        }
        await lock.release(lease)
        projectIfDue(&report)
        if let symbolRules { await routeLive(&report, rules: symbolRules) }
        return report
    }

    /// The reference account's step for this candle: its state as the last execution left it (a
    /// fresh one before the first), with the candle matched.
    private func referenceStep(_ version: StoredVersion, symbol: String, rules: SymbolRules, bar: Bar) throws(PlatformError) -> ReferenceStep {
        let spec = version.spec.reference
        let state: ReferenceState
        if let stored = try db.referenceState(strategyID: version.strategyID, symbol: symbol) {
            state = stored
        } else {
            state = try ReferenceState.fresh(spec)
        }
        let exchange = try PaperExchange(rules: try rules.market(state.book.account.market), slippageBps: slippageBps)
        return ReferenceStep(state: state, exchange: exchange, terms: try spec.terms(), bar: bar)
    }

    /// Places given signals for the candle closing `window`, without running the strategy:
    /// webhook alerts, replays of recorded signals, a bot's stop and the fan-out benchmark. The
    /// reference account and every subscriber get them as from a strategy; the journal entry is
    /// expanded before it returns, in either projection mode.
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field for a candle or signal out of
    ///   bounds; storage errors. A key committed before is `.alreadyExecuted`, not an error.
    ///
    /// `intents` are placed the same way, before the signals (a bot's stop: cancel all, then CLOSE).
    ///
    /// - Parameter expand: false leaves the journal entry to the projection mode (benchmarks
    ///   that time the expansion apart).
    public func commit(signals: [Signal], intents: [OrderIntent] = [], version: StoredVersion,
                       window: CandleWindow, expand: Bool = true) async throws(PlatformError) -> ExecutionReport {
        let key = ExecutionKey(versionID: version.id, symbol: window.symbol, timeframe: window.timeframe, candleTime: window.times[window.count - 1])
        var report = ExecutionReport(key: key, outcome: .alreadyExecuted)
        do {
            try window.validate()
        } catch {
            throw PlatformError(.invalidInput, "the signal's candle: \(error.message)", field: "price")
        }
        if let bad = Self.invalid(signals, symbol: key.symbol, strategyID: nil) {
            throw PlatformError(.invalidInput, bad.message, field: bad.field)
        }
        let rules = try await settings.rules(key.symbol)
        let bar = Self.bar(window)
        do throws(PlatformError) {
            var reference = try referenceStep(version, symbol: key.symbol, rules: rules, bar: bar)
            let accepted = reference.apply(intents, signals: signals, bar: bar)
            let record = ExecutionRecord(key: key, strategyID: version.strategyID, status: "ok", error: nil, stdout: "", stderr: "",
                                         signals: signals, newStateJSON: nil, reference: (reference.state, reference.equity(at: bar)),
                                         worker: worker, micros: (0, 0, 0))
            let fanout = try OrderFanout(rules: rules, slippageBps: slippageBps, bar: bar, signals: signals, intents: accepted,
                                         referenceCapital: version.spec.reference.capital)
            let result = try db.commit(record, rules: rules, fanOut: fanout.run, afterSubscriber: afterSubscriber,
                                       live: LiveDispatch.recorder(key: key, strategyID: record.strategyID, fanout: fanout))
            report.executionID = result.executionID
            report.fanoutMicros = result.fanoutMicros
            report.commitMicros = result.commitMicros
            report.outcome = .committed(status: "ok")
            report.signals = signals
            report.intents = accepted
            report.ordersFilled = result.fills
            report.ordersSkipped = result.rejected
        } catch where error.code == .duplicateExecution {
            return report
        }
        // Whoever asked (a bot's stop, a webhook) reads the result next, and no scheduling pass
        // may come to expand it: expanded now, whatever `projection` says.
        projectIfDue(&report, always: expand)
        await routeLive(&report, rules: rules)
        return report
    }

    /// Sends the live subscribers' orders of a committed execution (`LiveDispatch.route`).
    private func routeLive(_ report: inout ExecutionReport, rules: SymbolRules) async {
        guard let live, case .committed = report.outcome, let id = report.executionID else { return }
        report.live = await live.route(executionID: id, symbol: report.key.symbol, rules: rules, db: db)
    }

    /// Expands the journal after a commit in `.afterEachCommit` mode (`always`: in either mode).
    private func projectIfDue(_ report: inout ExecutionReport, always: Bool = false) {
        guard always || projection == .afterEachCommit, case .committed = report.outcome else { return }
        let start = ContinuousClock.now
        do {
            try db.projectFanouts()
        } catch {
            report.projectionError = error
        }
        report.projectMicros = Int((ContinuousClock.now - start) / .microseconds(1))
    }

    /// The first signal that breaks the contract (prices out of bounds, a stop on the wrong side,
    /// another symbol), as the strategy's error; nil when all are valid. Comparisons only.
    static func invalid(_ signals: [Signal], symbol: String, strategyID: String?) -> StrategyError? {
        for s in signals {
            do {
                try s.validate(strategyID: strategyID)
            } catch {
                return error
            }
            if s.symbol != symbol {
                return StrategyError(.invalidSignal, "symbol '\(s.symbol)' differs from the execution's symbol '\(symbol)'",
                                     strategyID: strategyID, field: "symbol")
            }
        }
        return nil
    }

    static func bar(_ w: CandleWindow) -> Bar {
        let last = w.count - 1
        return Bar(time: w.times[last], open: w.open[last], high: w.high[last], low: w.low[last], close: w.close[last])
    }
}
