import Foundation
import Logging
import StrategyRuntime

/// The scheduler and executor: follows the registry, waits for each candle to close (plus a
/// grace delay) and to be published, and hands it to the coordinator. Candles that went stale
/// (downtime, or a key held by a dead worker until its lock expired) are recorded as `skipped`.
public final class Worker: Sendable {
    public struct Settings: Sendable {
        public var grace: Int64 = 0
        /// Wall-clock pause between scheduling passes.
        public var tick: Duration = .milliseconds(20)
        /// How often the worker asks the registry (which caches on its own).
        public var registryRefresh: Duration = .milliseconds(500)
        /// Stop once the clock passes this (virtual ms), for replays and tests.
        public var until: Int64?
        public var name = "worker"

        public init() {}
    }

    public let coordinator: Coordinator
    public let registry: any StrategyRegistry
    public let source: any CandleSource
    public let clock: VirtualClock
    public let settings: Settings
    let logger: Logger

    public init(coordinator: Coordinator, registry: (any StrategyRegistry)? = nil, source: any CandleSource, clock: VirtualClock,
                settings: Settings, logger: Logger = Logger(label: "tradectl.worker")) {
        self.coordinator = coordinator
        self.registry = registry ?? LocalRegistry(db: coordinator.db)
        self.source = source
        self.clock = clock
        self.settings = settings
        self.logger = logger
    }

    /// Counts of what this worker did.
    public struct Tally: Sendable {
        public var executed = 0, skipped = 0, busy = 0, seenDone = 0, lockErrors = 0
    }

    private struct Stream: Hashable {
        let versionID: Int64
        let symbol: String
    }

    /// Runs until `settings.until` passes (or forever).
    public func run() async throws(PlatformError) -> Tally {
        var tally = Tally()
        var loaded: [Int64: LoadedVersion] = [:]
        var pending: [Stream: [Int64]] = [:]
        var cursor: [Stream: Int64] = [:]
        var versions: [StoredVersion] = []
        var lastRefresh = ContinuousClock.now - settings.registryRefresh
        let db = coordinator.db
        defer { project() }
        while true {
            let now = clock.now()
            if let until = settings.until, now > until { break }
            if Task.isCancelled { break }
            let executedBefore = tally.executed
            defer { if tally.executed > executedBefore { project() } }
            if ContinuousClock.now - lastRefresh >= settings.registryRefresh {
                versions = try await registry.activeVersions()
                lastRefresh = .now
            }
            for version in versions {
                if loaded[version.id] == nil {
                    do {
                        var source = StrategySource(id: "v\(version.id)", version: version.version, code: version.spec.source)
                        source.author = version.ownerID.map { "user:\($0)" }  // one sandbox worker per owner at `process`
                        let s = try await coordinator.host.load(source, isolation: version.spec.isolation)
                        loaded[version.id] = LoadedVersion(version: version, strategy: s)
                    } catch {
                        logger.error("strategy version \(version.id) does not load: \(error)")
                        continue
                    }
                }
                let tf = version.spec.timeframe
                let due = CandleSchedule.newestDue(tf, now: now, grace: settings.grace)
                for symbol in version.spec.symbols {
                    let stream = Stream(versionID: version.id, symbol: symbol)
                    // After a (re)start: the candles since the last recorded one are pending, so
                    // the newest runs and the ones missed during downtime are recorded as skipped.
                    if cursor[stream] == nil {
                        let last = try db.lastExecutedCandle(versionID: version.id, symbol: symbol)
                        cursor[stream] = last.map { max($0 + tf.milliseconds, due - 1_000 * tf.milliseconds) } ?? due
                    }
                    var next = cursor[stream] ?? due
                    while next <= due {
                        pending[stream, default: []].append(next)
                        next += tf.milliseconds
                    }
                    cursor[stream] = next
                    guard let keys = pending[stream], !keys.isEmpty, let live = loaded[version.id] else { continue }
                    var left: [Int64] = []
                    for t in keys {
                        let key = ExecutionKey(versionID: version.id, symbol: symbol, timeframe: tf.rawValue, candleTime: t)
                        do throws(PlatformError) {
                            if t < due {
                                if try await skip(key, tally: &tally) == false { left.append(t) }
                            } else if try await execute(live, key: key, lookback: version.spec.lookback, tf: tf, tally: &tally) == false {
                                left.append(t)
                            }
                        } catch where error.code == .lockUnavailable {
                            tally.lockErrors += 1
                            left.append(t)  // no lock, no execution: retried when the lock is back
                        }
                    }
                    pending[stream] = left
                }
            }
            try? await Task.sleep(for: settings.tick)
        }
        return tally
    }

    /// Expands the journal entries of this pass's commits (and any a dead worker left) when the
    /// coordinator defers that; a failure leaves them for the next pass.
    private func project() {
        guard coordinator.projection == .deferred else { return }
        do {
            try coordinator.db.projectFanouts()
        } catch {
            logger.error("expanding the fan-out journal failed, retrying next pass: \(error)")
        }
    }

    /// Records a stale key as skipped, under its lock. False while another worker holds it.
    private func skip(_ key: ExecutionKey, tally: inout Tally) async throws(PlatformError) -> Bool {
        guard let lease = try await coordinator.lock.acquire(key.description, ttl: .seconds(5)) else {
            tally.busy += 1
            return false
        }
        let inserted = try coordinator.db.recordSkipped(key, worker: settings.name, reason: "stale: a newer candle had closed")
        await coordinator.lock.release(lease)
        if inserted { tally.skipped += 1 } else { tally.seenDone += 1 }
        return true
    }

    /// Executes the newest due key once its candle is published. False to retry later.
    private func execute(_ live: LoadedVersion, key: ExecutionKey, lookback: Int, tf: Timeframe,
                         tally: inout Tally) async throws(PlatformError) -> Bool {
        // The coordinator checks this again under the lock; checking first spares fetching the
        // candles and building a frame for keys another worker already ran (the common case).
        if try coordinator.db.isExecuted(key) {
            tally.seenDone += 1
            return true
        }
        let from = key.candleTime - Int64(lookback - 1) * tf.milliseconds
        let window = try await source.candles(symbol: key.symbol, timeframe: tf, from: from, through: key.candleTime)
        guard window.count > 0, window.times[window.count - 1] == key.candleTime else { return false }  // not published yet
        let frame: CandleFrame
        do {
            frame = try coordinator.host.frame(window)
        } catch {
            logger.error("candles of \(key) are malformed: \(error)")
            return false
        }
        let report = try await coordinator.execute(live, frame: frame)
        switch report.outcome {
        case .committed:
            tally.executed += 1
            return true
        case .alreadyExecuted:
            tally.seenDone += 1
            return true
        case .busy:
            tally.busy += 1
            return false
        }
    }
}
