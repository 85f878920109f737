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
    /// Called after each subscriber's rows are written inside the commit (tests inject faults).
    let afterSubscriber: (@Sendable (Int) throws -> Void)?

    public convenience init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock = InProcessLock(),
                broker: PaperBroker = PaperBroker(), worker: String = "local") {
        self.init(db: db, host: host, lock: lock, broker: broker, worker: worker, afterSubscriber: nil)
    }

    init(db: PlatformDatabase, host: StrategyHost, lock: any ExecutionLock, broker: PaperBroker, worker: String,
         afterSubscriber: (@Sendable (Int) throws -> Void)?) {
        self.db = db
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

        guard let lease = try await lock.acquire(key.description, ttl: loaded.strategy.limits.timeout * 2 + .seconds(5)) else {
            return report
        }
        report.lockMicros = lap()
        do throws(PlatformError) {
            let inputs = try db.fanoutInputs(key: key, strategyID: loaded.version.strategyID)
            report.dataMicros = lap()
            if inputs.alreadyExecuted {
                report.outcome = .alreadyExecuted
                await lock.release(lease)
                return report
            }
            let context = StrategyCallContext(paramsJSON: loaded.version.spec.params, stateJSON: inputs.stateJSON)
            let run: Result<StrategyOutcome, StrategyError>
            do {
                run = .success(try await host.run(loaded.strategy, on: frame, context: context))
            } catch {
                run = .failure(error)
            }
            report.strategyMicros = lap()
            let bar = Bar(time: w.times[last], open: w.open[last], high: w.high[last], low: w.low[last], close: w.close[last])
            let signals = (try? run.get().signals) ?? []
            let changes = fanOut(inputs, signals: signals, bar: bar)
            report.fanoutMicros = lap()
            let record = ExecutionRecord(
                key: key, strategyID: loaded.version.strategyID,
                status: { if case .failure(let e) = run { return e.code.description }; return "ok" }(),
                error: { if case .failure(let e) = run { return e }; return nil }(),
                stdout: (try? run.get().stdout) ?? { if case .failure(let e) = run { return e.stdout }; return "" }(),
                stderr: (try? run.get().stderr) ?? { if case .failure(let e) = run { return e.stderr }; return "" }(),
                signals: signals, changes: changes, newStateJSON: try? run.get().stateJSON, worker: worker,
                micros: (report.lockMicros, report.dataMicros, report.strategyMicros, report.fanoutMicros))
            let id = try db.commit(record, afterSubscriber: afterSubscriber)
            report.commitMicros = lap()
            db.recordCommitTime(executionID: id, micros: report.commitMicros)
            report.executionID = id
            report.outcome = .committed(status: record.status)
            report.signals = signals
            report.pythonNanos = (try? run.get().strategyNanos) ?? 0
            for c in changes {
                for o in c.orders { if o.skipped == nil { report.ordersFilled += 1 } else { report.ordersSkipped += 1 } }
            }
        } catch {
            await lock.release(lease)
            if error.code == .duplicateExecution {
                report.outcome = .alreadyExecuted
                return report
            }
            throw error
        }
        await lock.release(lease)
        return report
    }

    /// Stops and take-profits first, then the signals, for every active subscriber.
    func fanOut(_ inputs: FanoutInputs, signals: [Signal], bar: Bar) -> [ExecutionRecord.Change] {
        var changes: [ExecutionRecord.Change] = []
        changes.reserveCapacity(inputs.subscribers.count)
        for sub in inputs.subscribers {
            var change = ExecutionRecord.Change(subscriber: sub, orders: [], closed: nil, opened: nil)
            var position = sub.position
            if let p = position, let exit = broker.exits(p, on: bar) {
                change.orders.append(PaperOrder(side: p.side == .long ? .sell : .buy, qty: p.qty, price: exit.exitPrice,
                                                fee: broker.fee(exit.exitPrice * p.qty), purpose: exit.reason))
                change.closed = exit
                position = nil
            }
            for signal in signals {
                let step = broker.execute(signal, position: position, bar: bar, allowShort: sub.terms.allowShort) { price in
                    Sizing.quantity(entry: price, stopLoss: signal.stopLoss, terms: sub.terms, rules: inputs.rules)
                }
                change.orders += step.orders
                if let closed = step.closed {
                    if change.closed == nil { change.closed = closed }
                }
                if step.position != position { change.opened = step.position == nil ? nil : step.position }
                position = step.position
            }
            if !change.orders.isEmpty { changes.append(change) }
        }
        return changes
    }
}
