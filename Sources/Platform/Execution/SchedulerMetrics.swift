import Metrics

/// What the scheduler reports through swift-metrics (exported at `/metrics` by the process that
/// bootstraps a Prometheus factory): per-process counts and timings. The cross-process execution
/// counts come from the database's counters instead.
struct SchedulerMetrics: Sendable {
    let executed: Counter
    let skipped: Counter
    let throttled: Counter
    let loadFailures: Counter
    let paused: Counter
    let queueDepth: Gauge
    let inFlight: Gauge
    /// From a candle's close to the end of its commit.
    let closeToCommit: Metrics.Timer

    init(factory: any MetricsFactory) {
        func candles(_ outcome: String) -> Counter {
            Counter(label: "tradectl_scheduler_candles_total", dimensions: [("outcome", outcome)], factory: factory)
        }
        executed = candles("executed")
        skipped = candles("skipped")
        throttled = candles("throttled")
        loadFailures = Counter(label: "tradectl_scheduler_load_failures_total", factory: factory)
        paused = Counter(label: "tradectl_scheduler_paused_total", factory: factory)
        queueDepth = Gauge(label: "tradectl_scheduler_queue_depth", factory: factory)
        inFlight = Gauge(label: "tradectl_scheduler_in_flight", factory: factory)
        closeToCommit = Metrics.Timer(label: "tradectl_scheduler_close_to_commit_seconds", factory: factory)
    }
}
