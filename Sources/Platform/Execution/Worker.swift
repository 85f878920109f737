import Foundation
import Logging
import Metrics
import StrategyRuntime
import Synchronization
/// The scheduler and executor: follows the registry, waits for each candle to close (plus a
/// grace delay) and to be published, and hands it to the coordinator. Candles that went stale
/// (downtime, or a key held by a dead worker until its lock expired) are recorded as `skipped`.
///
/// Fair between authors (the strategies' owners): executions and loads run concurrently in
/// `Settings.slots` slots, taken round robin by author (`FairQueue`), at most one at a time per
/// *lane* — an author's `process` worker, or the one in-process interpreter that every `shared`
/// and `subinterpreter` strategy shares (one GIL). So one author's slow code delays only that
/// author. Each strategy has a time budget per candle close (`TenantBudget`): past it, it is
/// throttled, and then paused with a reason its author sees. A strategy that does not load is
/// retried with exponential backoff, never on every pass, and loads never hold the pass.
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
        /// Executions and loads in flight at once (at most one per lane).
        public var slots = 8
        /// The share of a candle period (wall time) each author may spend per close, split over the
        /// author's active strategies.
        public var tenantShare = 0.5
        /// Closes of unused budget a strategy may bank.
        public var burstCloses = 4.0
        /// Pause a strategy after this many closes in a row over its budget (nil: only throttle).
        public var pauseAfter: Int? = 10
        /// A strategy that fails to load waits this long before the next attempt, doubling up to `loadRetryCap`.
        public var loadRetry: Duration = .seconds(1)
        public var loadRetryCap: Duration = .seconds(300)
        /// Pause a strategy whose own code failed to load this many times in a row (nil: never).
        public var pauseAfterLoadFailures: Int? = 5
        /// The per-call limits of the strategies this worker loads.
        public var limits = StrategyLimits()
        /// Told of every execution this worker commits (benchmarks).
        public var onCommit: (@Sendable (CommitEvent) -> Void)?

        public init() {}
    }

    /// One committed execution, as the scheduler saw it.
    public struct CommitEvent: Sendable {
        public let key: ExecutionKey
        public let ownerID: Int64?
        public let status: String
        /// From the candle's close (wall time on the worker's clock) to the end of its commit, µs.
        public let closeToCommitMicros: Int
    }

    public let coordinator: Coordinator
    public let registry: any StrategyRegistry
    public let source: any CandleSource
    public let clock: VirtualClock
    public let settings: Settings
    let logger: Logger
    let metrics: SchedulerMetrics

    public init(coordinator: Coordinator, registry: (any StrategyRegistry)? = nil, source: any CandleSource, clock: VirtualClock,
                settings: Settings, logger: Logger = Logger(label: "tradectl.worker"), metrics: any MetricsFactory = MetricsSystem.factory) {
        self.coordinator = coordinator
        self.registry = registry ?? LocalRegistry(db: coordinator.db)
        self.source = source
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.metrics = SchedulerMetrics(factory: metrics)
    }

    /// Counts of what this worker did.
    public struct Tally: Sendable {
        public var executed = 0, skipped = 0, busy = 0, seenDone = 0, lockErrors = 0
        /// Candles skipped because their strategy was over its time budget (also in `skipped`).
        public var throttled = 0
        /// Loads that failed, and strategies this worker paused.
        public var loadFailures = 0, paused = 0
    }

    /// Runs until `settings.until` passes (or forever, or until cancelled). Past `until` it
    /// finishes what was due by then — loads in flight, then each stream's last candles, once —
    /// and returns; when cancelled, executions in flight finish and commit, loads are left.
    /// With live trading (`Coordinator.live`), every live subscription is reconciled with its
    /// exchange first (`LiveDispatch.reconcile`), before anything is scheduled.
    public func run() async throws(PlatformError) -> Tally {
        if let live = coordinator.live {
            // Before the first execution: every live subscription against its exchange.
            _ = await live.reconcile(db: coordinator.db, settings: coordinator.settings)
        }
        let inbox = Inbox()
        var plan = SchedulerPlan(worker: self, inbox: inbox)
        var failure: PlatformError?
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                var now = clock.now()
                if let until = settings.until, now > until {
                    // Past the end: finish what was due by then (loads in flight included), once.
                    now = until
                    plan.draining = true
                }
                if await plan.absorb(inbox.drain()) { project() }
                do throws(PlatformError) {
                    if !plan.draining { try await plan.refresh() }
                    try plan.schedule(now: now)
                } catch {
                    failure = error
                    break
                }
                if plan.draining && plan.idle { break }
                while let job = await plan.nextJob(now: now) {
                    switch job {
                    case .load(let version, let lane):
                        Task { inbox.post(.loaded(version.id, lane: lane, await self.load(version))) }
                    case .stream(let work):
                        group.addTask { inbox.post(await self.perform(work, inbox)) }
                    }
                }
                metrics.queueDepth.record(plan.queued)
                metrics.inFlight.record(plan.inFlight)
                try? await Task.sleep(for: settings.tick)
            }
        }
        _ = await plan.absorb(inbox.drain())
        project()
        if let failure { throw failure }
        return inbox.tally
    }

    /// Expands the journal entries of this pass's commits (and any a dead worker left) when the
    /// coordinator defers that; a failure leaves them for the next pass.
    func project() {
        guard coordinator.projection == .deferred else { return }
        do {
            try coordinator.db.projectFanouts()
        } catch {
            logger.error("expanding the fan-out journal failed, retrying next pass: \(error)")
        }
    }
}

/// Where jobs report back to the scheduling loop.
final class Inbox: Sendable {
    enum Completion: Sendable {
        case loaded(Int64, lane: String, Result<Strategy, StrategyError>)
        case stream(StreamWork, StreamResult)
    }

    private let state = Mutex<(completions: [Completion], tally: Worker.Tally)>(([], Worker.Tally()))

    func post(_ c: Completion) { state.withLock { $0.completions.append(c) } }

    func drain() -> [Completion] {
        state.withLock { s in
            defer { s.completions.removeAll(keepingCapacity: true) }
            return s.completions
        }
    }

    func count(_ update: (inout Worker.Tally) -> Void) { state.withLock { update(&$0.tally) } }

    var tally: Worker.Tally { state.withLock { $0.tally } }
}
