import Foundation
import StrategyRuntime

/// (strategy version, symbol): one series of candles to execute.
struct StreamID: Hashable, Sendable {
    let versionID: Int64
    let symbol: String
}

/// One job for a stream: the stale candles to record as skipped, the newest to run or to record as
/// throttled.
struct StreamWork: Sendable {
    let stream: StreamID
    let lane: String
    let live: LoadedVersion
    var stale: [Int64] = []
    var run: Int64?
    var throttled: (candle: Int64, reason: String)?
}

/// What a stream job did: the candles to try again, and the strategy time it spent.
struct StreamResult: Sendable {
    var retry: [Int64] = []
    var strategyMicros: Int?
    var executed = false
}

/// What the loop starts next.
enum SchedulerJob: Sendable {
    case load(StoredVersion, lane: String)
    case stream(StreamWork)
}

/// The scheduling loop's own state: the registry's versions, what is loaded, the candles pending
/// per stream, the fair queue and the lanes in use. Only the loop touches it.
struct SchedulerPlan {
    private struct Stream {
        var cursor: Int64
        var pending: [Int64] = []
        var queued = false
        var running = false
    }

    private enum Queued {
        case load(Int64)
        case stream(StreamID)
    }

    let worker: Worker
    let inbox: Inbox
    private var versions: [Int64: StoredVersion] = [:]
    private var order: [Int64] = []
    /// Active strategies per author, for the budget split.
    private var perAuthor: [String: Int] = [:]
    private var lastRefresh: ContinuousClock.Instant?
    private var loaded: [Int64: LoadedVersion] = [:]
    /// Versions with a load queued or in flight.
    private var loading: Set<Int64> = []
    /// Strategies paused here, by when: left out until a registry read no longer lists them (or
    /// for 30 s at most, should the author resume one before then).
    private var paused: [Int64: ContinuousClock.Instant] = [:]
    private var streams: [StreamID: Stream] = [:]
    private var queue = FairQueue<Queued>()
    private var busyLanes: Set<String> = []
    private(set) var inFlight = 0
    private var budget: TenantBudget
    private var backoff: LoadBackoff
    /// Past `Settings.until`: no new load attempts, and each stream runs at most once more.
    var draining = false
    private var drained: Set<StreamID> = []

    init(worker: Worker, inbox: Inbox) {
        self.worker = worker
        self.inbox = inbox
        let s = worker.settings
        budget = TenantBudget(.init(share: s.tenantShare, burst: s.burstCloses, pauseAfter: s.pauseAfter))
        backoff = LoadBackoff(initial: s.loadRetry, cap: s.loadRetryCap)
    }

    var queued: Int { queue.count }

    /// Nothing queued and nothing in flight.
    var idle: Bool { queue.isEmpty && inFlight == 0 }

    static func author(_ v: StoredVersion) -> String { v.ownerID.map { "user:\($0)" } ?? "version:\(v.id)" }

    /// `process` strategies of one author share a worker process; every in-process strategy shares the GIL.
    static func lane(_ v: StoredVersion) -> String { v.spec.isolation == .process ? "process:" + author(v) : "in-process" }

    /// Reads the registry when it is due.
    mutating func refresh() async throws(PlatformError) {
        if let last = lastRefresh, ContinuousClock.now - last < worker.settings.registryRefresh { return }
        let listed = try await worker.registry.activeVersions()
        lastRefresh = .now
        let ids = Set(listed.map(\.strategyID))
        paused = paused.filter { ids.contains($0.key) && ContinuousClock.now - $0.value < .seconds(30) }
        let active = listed.filter { paused[$0.strategyID] == nil }
        versions = Dictionary(active.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        order = active.map(\.id)
        perAuthor = [:]
        for v in active { perAuthor[Self.author(v), default: 0] += 1 }
        streams = streams.filter { versions[$0.key.versionID] != nil || $0.value.running }
    }

    /// Brings every stream's pending candles up to the newest due one and queues the streams and
    /// loads that have work.
    mutating func schedule(now: Int64) throws(PlatformError) {
        let wallNow = ContinuousClock.now
        for id in order {
            guard let version = versions[id] else { continue }
            let isLoaded = loaded[id] != nil
            if !isLoaded, !draining, !loading.contains(id), backoff.mayLoad(id, now: wallNow) {
                loading.insert(id)
                queue.push(.load(id), author: Self.author(version), lane: Self.lane(version), cost: 0)
            }
            let tf = version.spec.timeframe
            let due = CandleSchedule.newestDue(tf, now: now, grace: worker.settings.grace)
            for symbol in version.spec.symbols {
                let sid = StreamID(versionID: id, symbol: symbol)
                var stream: Stream
                if let known = streams[sid] {
                    stream = known
                } else {
                    // After a (re)start: the candles since the last recorded one are pending, so the
                    // newest runs and the ones missed during downtime are recorded as skipped.
                    let last = try worker.coordinator.db.lastExecutedCandle(versionID: id, symbol: symbol)
                    stream = Stream(cursor: last.map { max($0 + tf.milliseconds, due - 1_000 * tf.milliseconds) } ?? due)
                }
                while stream.cursor <= due {
                    stream.pending.append(stream.cursor)
                    stream.cursor += tf.milliseconds
                }
                if isLoaded, !stream.pending.isEmpty, !stream.queued, !stream.running, !(draining && drained.contains(sid)) {
                    stream.queued = true
                    queue.push(.stream(sid), author: Self.author(version), lane: Self.lane(version), cost: budget.cost(id))
                }
                streams[sid] = stream
            }
        }
    }

    /// The next job for a free slot and a free lane, if any. Decides here, before the job starts,
    /// which candles are stale and whether the newest runs or is throttled (or its strategy paused).
    mutating func nextJob(now: Int64) async -> SchedulerJob? {
        while inFlight < worker.settings.slots, let (next, lane) = queue.pop(free: { !busyLanes.contains($0) }) {
            switch next {
            case .load(let id):
                guard let version = versions[id], loaded[id] == nil else {
                    loading.remove(id)
                    continue
                }
                start(lane)
                return .load(version, lane: lane)
            case .stream(let sid):
                guard var stream = streams[sid] else { continue }
                stream.queued = false
                guard let live = loaded[sid.versionID], let version = versions[sid.versionID], !stream.pending.isEmpty else {
                    streams[sid] = stream
                    continue
                }
                let tf = version.spec.timeframe
                let due = CandleSchedule.newestDue(tf, now: now, grace: worker.settings.grace)
                var work = StreamWork(stream: sid, lane: lane, live: live)
                work.stale = stream.pending.filter { $0 < due }
                if let newest = stream.pending.last, newest >= due {
                    let (limit, what) = (budgetMicros(version), describe(version))
                    switch budget.admit(version.id, candle: newest, period: tf.milliseconds, budget: limit, describe: what) {
                    case .run:
                        work.run = newest
                    case .throttle(let reason):
                        work.throttled = (newest, reason)
                        inbox.count { $0.throttled += 1 }
                        worker.metrics.throttled.increment()
                    case .pause(let reason):
                        await pause(version, reason: reason)
                        continue
                    }
                }
                stream.pending = []
                stream.running = true
                streams[sid] = stream
                if draining { drained.insert(sid) }
                start(lane)
                return .stream(work)
            }
        }
        return nil
    }

    private mutating func start(_ lane: String) {
        busyLanes.insert(lane)
        inFlight += 1
    }

    private mutating func finish(_ lane: String) {
        busyLanes.remove(lane)
        inFlight -= 1
    }

    /// The strategy's budget per close, µs: the author's share of the period in wall time, split
    /// over the author's active strategies.
    private func budgetMicros(_ v: StoredVersion) -> Double {
        let periodMicros = Double(v.spec.timeframe.milliseconds) * 1_000 / worker.clock.speed
        return worker.settings.tenantShare * periodMicros / Double(max(perAuthor[Self.author(v)] ?? 1, 1))
    }

    private func describe(_ v: StoredVersion) -> String {
        let n = max(perAuthor[Self.author(v)] ?? 1, 1)
        let period = Double(v.spec.timeframe.milliseconds) / worker.clock.speed
        let shown = period >= 10_000 ? "\(Int(period / 1_000)) s" : "\(Int(period)) ms"
        return "\(Int(worker.settings.tenantShare * 100))% of a \(v.spec.timeframe.rawValue) candle (\(shown)) for the author's "
            + "\(n) active \(n == 1 ? "strategy" : "strategies")"
    }

    /// Takes what finished since the last pass. Returns whether anything was committed.
    mutating func absorb(_ completions: [Inbox.Completion]) async -> Bool {
        var committed = false
        for c in completions {
            switch c {
            case .loaded(let id, let lane, let result):
                finish(lane)
                loading.remove(id)
                switch result {
                case .success(let strategy):
                    backoff.succeeded(id)
                    if let v = versions[id] { loaded[id] = LoadedVersion(version: v, strategy: strategy) }
                case .failure(let error):
                    let (count, wait) = backoff.failed(id, now: .now)
                    inbox.count { $0.loadFailures += 1 }
                    worker.metrics.loadFailures.increment()
                    worker.logger.error("strategy version does not load", metadata: [
                        "version": "\(id)", "attempt": "\(count)", "retry_in": "\(wait)", "error": "\(error.code): \(error.message)"])
                    if let limit = worker.settings.pauseAfterLoadFailures, count >= limit, Self.authorsFault(error), let v = versions[id] {
                        await pause(v, reason: "paused by the scheduler: it failed to load \(count) times in a row (\(error.code)): \(error.message)")
                    }
                }
            case .stream(let work, let result):
                finish(work.lane)
                if var stream = streams[work.stream] {
                    stream.running = false
                    stream.pending = Array(Set(result.retry + stream.pending)).sorted()
                    streams[work.stream] = stream
                }
                if let micros = result.strategyMicros { budget.charge(work.stream.versionID, micros: micros) }
                committed = committed || result.executed
            }
        }
        return committed
    }

    /// Whether a load failure is the strategy's own (its code), not the host's.
    static func authorsFault(_ e: StrategyError) -> Bool {
        switch e.code {
        case .load, .timeout, .memory, .sandbox, .exception, .quarantined: true
        default: false
        }
    }

    /// Pauses a strategy with a reason its author sees, and stops scheduling it here at once.
    private mutating func pause(_ v: StoredVersion, reason: String) async {
        do {
            if try worker.coordinator.db.pauseStrategy(strategyID: v.strategyID, reason: reason) {
                inbox.count { $0.paused += 1 }
                worker.metrics.paused.increment()
                worker.logger.warning("strategy paused", metadata: ["strategy": "\(v.strategyID)", "reason": "\(reason)"])
            }
        } catch {
            worker.logger.error("could not pause strategy", metadata: ["strategy": "\(v.strategyID)", "error": "\(error)"])
            return
        }
        paused[v.strategyID] = .now
        for (id, other) in versions where other.strategyID == v.strategyID {
            versions[id] = nil
            budget.forget(id)
            backoff.succeeded(id)
        }
        order.removeAll { versions[$0] == nil }
        streams = streams.filter { versions[$0.key.versionID] != nil || $0.value.running }
        await worker.registry.invalidate()
        lastRefresh = nil
    }
}
