import Foundation
import StrategyRuntime

/// The jobs the scheduling loop starts: loads, and the candles of one stream.
extension Worker {
    /// Loads a version into the runtime (at `process`, into its author's worker), under the
    /// worker's per-call limits.
    func load(_ version: StoredVersion) async -> Result<Strategy, StrategyError> {
        var source = StrategySource(id: "v\(version.id)", version: version.version, code: version.spec.source)
        source.author = SchedulerPlan.author(version)  // one sandbox worker per owner at `process`
        do {
            return .success(try await coordinator.host.load(source, isolation: version.spec.isolation, limits: settings.limits))
        } catch {
            return .failure(error)
        }
    }

    /// Records the stream's stale candles (and a throttled one) as skipped, then runs its newest.
    func perform(_ work: StreamWork, _ inbox: Inbox) async -> Inbox.Completion {
        var result = StreamResult()
        let version = work.live.version
        let tf = version.spec.timeframe
        func key(_ t: Int64) -> ExecutionKey {
            ExecutionKey(versionID: version.id, symbol: work.stream.symbol, timeframe: tf.rawValue, candleTime: t)
        }
        result.retry += await skip(work.stale.map(key), reason: "stale: a newer candle had closed", inbox)
        if let throttled = work.throttled { result.retry += await skip([key(throttled.candle)], reason: throttled.reason, inbox) }
        guard let t = work.run else { return .stream(work, result) }
        do throws(PlatformError) {
            switch try await execute(work.live, key: key(t), lookback: version.spec.lookback, tf: tf, inbox) {
            case .committed(let micros):
                result.strategyMicros = micros
                result.executed = true
            case .done:
                break
            case .retry:
                result.retry.append(t)
            }
        } catch where error.code == .lockUnavailable {
            inbox.count { $0.lockErrors += 1 }
            result.retry.append(t)  // no lock, no execution: retried when the lock is back
        } catch {
            logger.error("execution failed, retrying next pass", metadata: ["key": "\(key(t))", "error": "\(error)"])
            result.retry.append(t)
        }
        return .stream(work, result)
    }

    /// Records keys as skipped, each under its lock, in one transaction. Returns the candles to
    /// try again: those another worker holds, or whose lock could not be reached.
    func skip(_ keys: [ExecutionKey], reason: String, _ inbox: Inbox) async -> [Int64] {
        var leases: [LockLease] = [], taken: [ExecutionKey] = [], retry: [Int64] = []
        for key in keys {
            do throws(PlatformError) {
                if let lease = try await coordinator.lock.acquire(key.description, ttl: .seconds(5)) {
                    leases.append(lease)
                    taken.append(key)
                } else {
                    inbox.count { $0.busy += 1 }
                    retry.append(key.candleTime)
                }
            } catch {
                inbox.count { $0.lockErrors += 1 }
                retry.append(key.candleTime)
            }
        }
        guard !taken.isEmpty else { return retry }
        do throws(PlatformError) {
            let inserted = try coordinator.db.recordSkipped(taken, worker: settings.name, reason: reason)
            let n = inserted.filter { $0 }.count
            inbox.count { $0.skipped += n; $0.seenDone += inserted.count - n }
            metrics.skipped.increment(by: n)
        } catch {
            logger.error("recording skipped candles failed, retrying next pass", metadata: ["error": "\(error)"])
            retry += taken.map(\.candleTime)
        }
        for lease in leases { await coordinator.lock.release(lease) }
        return retry
    }

    enum ExecuteOutcome {
        /// Committed here; the strategy's own time, µs.
        case committed(Int)
        /// Nothing left to do: another worker ran it.
        case done
        /// Not published yet, or another worker holds the key.
        case retry
    }

    /// Executes the newest due key once its candle is published.
    func execute(_ live: LoadedVersion, key: ExecutionKey, lookback: Int, tf: Timeframe, _ inbox: Inbox) async throws(PlatformError) -> ExecuteOutcome {
        // The coordinator checks this again under the lock; checking first spares fetching the
        // candles and building a frame for keys another worker already ran (the common case).
        if try coordinator.db.isExecuted(key) {
            inbox.count { $0.seenDone += 1 }
            return .done
        }
        let from = key.candleTime - Int64(lookback - 1) * tf.milliseconds
        let window = try await source.candles(symbol: key.symbol, timeframe: tf, from: from, through: key.candleTime)
        guard window.count > 0, window.times[window.count - 1] == key.candleTime else { return .retry }  // not published yet
        let frame: CandleFrame
        do {
            frame = try coordinator.host.frame(window)
        } catch {
            logger.error("candles are malformed", metadata: ["key": "\(key)", "error": "\(error)"])
            return .retry
        }
        let report = try await coordinator.execute(live, frame: frame)
        switch report.outcome {
        case .committed(let status):
            let closeWall = clock.wallMillis(atVirtual: key.candleTime + tf.milliseconds)
            let micros = Int(((Date().timeIntervalSince1970 * 1_000) - closeWall) * 1_000)
            inbox.count { $0.executed += 1 }
            metrics.executed.increment()
            metrics.closeToCommit.recordMicroseconds(max(micros, 0))
            settings.onCommit?(CommitEvent(key: key, ownerID: live.version.ownerID, status: status, closeToCommitMicros: micros))
            return .committed(report.strategyMicros)
        case .alreadyExecuted:
            inbox.count { $0.seenDone += 1 }
            return .done
        case .busy:
            inbox.count { $0.busy += 1 }
            return .retry
        }
    }
}

extension Worker {
    /// Starts, before the clock does, the sandbox worker of every author with an active `process`
    /// strategy (each loads a no-op: the process, its confinement and numpy/pandas are the slow
    /// part; no user code runs), so the first candles are not spent starting them.
    ///
    /// - Returns: how many worker processes it started.
    public static func warmUp(host: StrategyHost, registry: any StrategyRegistry) async throws(PlatformError) -> Int {
        let authors = Set(try await registry.activeVersions().filter { $0.spec.isolation == .process }.map(SchedulerPlan.author))
        await withTaskGroup(of: Void.self) { group in
            for author in authors {
                group.addTask {
                    var source = StrategySource(id: "warm-up", code: "def main(data):\n    return None\n")
                    source.author = author
                    _ = try? await host.load(source, isolation: .process)
                }
            }
        }
        return authors.count
    }
}
