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

/// Runs each execution key exactly once: lock, read, run the strategy once, size and record
/// every subscriber's orders with the execution row in ONE transaction, release.
public final class Coordinator: Sendable {
    public let db: PlatformDatabase
    public let host: StrategyHost
    public let lock: any ExecutionLock
    public let broker: PaperBroker
    public let worker: String
    public let settings: any SettingsCache
    /// The lock's time to live; it is renewed while the execution runs, so a dead worker
    /// blocks its key for at most this long.
    public var lockTTL: Duration { .seconds(2) }
    /// Called for each subscriber with orders inside the commit (tests inject faults).
    let afterSubscriber: (@Sendable (Int) throws -> Void)?

    /// When an execution's fan-out journal entry is expanded into the orders and positions tables.
    public enum Projection: Sendable {
        /// Right after each commit, before `execute` returns (backtests, webhooks, tests).
        case afterEachCommit
        /// When the owner calls `PlatformDatabase.projectFanouts()`, e.g. the worker after each
        /// scheduling pass: the commits of one candle close do not wait for each other's expansion.
        case deferred
    }
    public let projection: Projection

    public convenience init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock = InProcessLock(),
                            settings: (any SettingsCache)? = nil, broker: PaperBroker = PaperBroker(), worker: String = "local",
                            projection: Projection = .afterEachCommit) {
        self.init(db: db, host: host, lock: lock, settings: settings, broker: broker, worker: worker, projection: projection,
                  afterSubscriber: nil)
    }

    init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock, settings: (any SettingsCache)? = nil,
         broker: PaperBroker, worker: String, projection: Projection = .afterEachCommit,
         afterSubscriber: (@Sendable (Int) throws -> Void)?) {
        self.db = db
        self.projection = projection
        self.settings = settings ?? LocalSettings(db: db)
        self.host = host
        self.lock = lock
        self.broker = broker
        self.worker = worker
        self.afterSubscriber = afterSubscriber
    }

    /// Executes `loaded` on the candle that closes `frame`'s window.
    ///
    /// - Returns: the report; `.busy` when another worker holds the key, `.alreadyExecuted` when it
    ///   ran before. A strategy failure is committed with its error code as the status.
    /// - Throws: `PlatformError` for storage and lock failures; nothing is half-written.
    public func execute(_ loaded: LoadedVersion, frame: CandleFrame) async throws(PlatformError) -> ExecutionReport {
        let w = frame.window
        let last = w.count - 1
        let key = ExecutionKey(versionID: loaded.version.id, symbol: w.symbol, timeframe: w.timeframe, candleTime: w.times[last])
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
        do throws(PlatformError) {
            let (done, state) = try db.preflight(key: key, strategyID: loaded.version.strategyID)
            let rules = try await settings.rules(key.symbol)
            report.dataMicros = lap()
            if done {
                report.outcome = .alreadyExecuted
                await lock.release(lease)
                return report
            }
            let context = StrategyCallContext(paramsJSON: loaded.version.spec.params, stateJSON: state)
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
            let record = ExecutionRecord(
                key: key, strategyID: loaded.version.strategyID, status: failure?.code.description ?? "ok", error: failure,
                stdout: outcome?.stdout ?? failure?.stdout ?? "", stderr: outcome?.stderr ?? failure?.stderr ?? "",
                signals: signals, newStateJSON: outcome.map(\.stateJSON).flatMap { $0 == state ? nil : $0 }, worker: worker,
                micros: (report.lockMicros, report.dataMicros, report.strategyMicros))
            let result = try commit(record, rules: rules, bar: Self.bar(w))
            report.fanoutMicros = result.fanoutMicros
            report.commitMicros = result.commitMicros
            report.executionID = result.executionID
            report.outcome = .committed(status: record.status)
            report.signals = signals
            report.pythonNanos = outcome?.strategyNanos ?? 0
            Self.count(result.changes, into: &report)
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
        return report
    }

    /// Sizes and commits given signals for the candle closing `window`, without running the
    /// strategy: replays of recorded signals and the fan-out benchmark.
    public func commit(signals: [Signal], version: StoredVersion, window: CandleWindow) async throws(PlatformError) -> ExecutionReport {
        let last = window.count - 1
        let key = ExecutionKey(versionID: version.id, symbol: window.symbol, timeframe: window.timeframe, candleTime: window.times[last])
        var report = ExecutionReport(key: key, outcome: .alreadyExecuted)
        do {
            try window.validate()
        } catch {
            throw PlatformError(.invalidInput, "the signal's candle: \(error.message)", field: "price")
        }
        if let bad = Self.invalid(signals, symbol: key.symbol, strategyID: nil) {
            throw PlatformError(.invalidInput, bad.message, field: bad.field)
        }
        let record = ExecutionRecord(key: key, strategyID: version.strategyID, status: "ok", error: nil, stdout: "", stderr: "",
                                     signals: signals, newStateJSON: nil, worker: worker, micros: (0, 0, 0))
        do throws(PlatformError) {
            let result = try commit(record, rules: try await settings.rules(key.symbol), bar: Self.bar(window))
            report.executionID = result.executionID
            report.fanoutMicros = result.fanoutMicros
            report.commitMicros = result.commitMicros
            report.outcome = .committed(status: "ok")
            Self.count(result.changes, into: &report)
        } catch where error.code == .duplicateExecution {
            return report
        }
        projectIfDue(&report)
        return report
    }

    /// Expands the journal after a commit in `.afterEachCommit` mode.
    private func projectIfDue(_ report: inout ExecutionReport) {
        guard projection == .afterEachCommit, case .committed = report.outcome else { return }
        let start = ContinuousClock.now
        do {
            try db.projectFanouts()
        } catch {
            report.projectionError = error
        }
        report.projectMicros = Int((ContinuousClock.now - start) / .microseconds(1))
    }

    private func commit(_ record: ExecutionRecord, rules: SymbolRules, bar: Bar) throws(PlatformError) -> CommitResult {
        try db.commit(record, rules: rules, fanOut: { inputs in self.fanOut(inputs, signals: record.signals, bar: bar) },
                      afterSubscriber: afterSubscriber)
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

    static func count(_ changes: [FanoutChange], into report: inout ExecutionReport) {
        for c in changes {
            for o in c.orders { if o.skipped == nil { report.ordersFilled += 1 } else { report.ordersSkipped += 1 } }
        }
    }

    /// The skipped order that stands for a subscriber's orders whose numbers did not come out finite.
    static func notFinite(_ first: PaperOrder?, bar: Bar) -> PaperOrder {
        PaperOrder(side: first?.side ?? .buy, qty: 0, price: bar.close, fee: 0, purpose: first?.purpose ?? "open",
                   skipped: "the size, fee or P&L is not a finite number (the subscription's terms or its stored position are out of range)")
    }

    /// Stops and take-profits first, then the signals, for every active subscriber.
    func fanOut(_ inputs: FanoutInputs, signals: [Signal], bar: Bar) -> FanoutResult {
        var result = FanoutResult(changes: [], subscribers: inputs.subscribers)
        result.changes.reserveCapacity(inputs.subscribers.count)
        for (i, sub) in inputs.subscribers.enumerated() {
            var change = FanoutChange(subscriptionID: sub.id, userID: sub.userID, orders: [], closed: nil, closedWithin: [], opened: nil)
            var position = sub.position
            var stored = position != nil  // `position` is (or will be, once projected) the row in the database
            func record(_ trade: Trade) {
                if stored {
                    change.closed = trade
                    stored = false
                } else {
                    change.closedWithin.append(trade)  // opened and closed on this candle
                }
            }
            if let p = position, let exit = broker.exits(p, on: bar) {
                change.orders.append(PaperOrder(side: p.side == .long ? .sell : .buy, qty: p.qty, price: exit.exitPrice,
                                                fee: broker.fee(exit.exitPrice * p.qty), purpose: exit.reason))
                record(exit)
                position = nil
            }
            for signal in signals {
                let step = broker.execute(signal, position: position, bar: bar, allowShort: sub.terms.allowShort) { price in
                    Sizing.quantity(entry: price, stopLoss: signal.stopLoss, terms: sub.terms, rules: inputs.rules)
                }
                change.orders += step.orders
                if let closed = step.closed { record(closed) }
                position = step.position
            }
            change.opened = stored ? nil : position
            if !change.isFinite {
                // Terms or a position stored before the bounds existed can still make a product
                // overflow: that one subscriber's orders are skipped, the position stays as it was.
                change = FanoutChange(subscriptionID: sub.id, userID: sub.userID, orders: [Self.notFinite(change.orders.first, bar: bar)],
                                      closed: nil, closedWithin: [], opened: nil)
                position = sub.position
            }
            result.subscribers[i].position = position
            if !change.orders.isEmpty { result.changes.append(change) }
        }
        return result
    }
}
