import GRDB

/// Aggregates over the whole database, for the demo and operators.
public struct PlatformReport: Sendable {
    public var executionsByStatus: [String: Int]
    /// lock + data + strategy + fan-out + commit per executed (not skipped) execution, µs.
    public var executionMicros: [Int]
    /// The same summed per candle (every strategy on that candle), µs.
    public var candleMicros: [Int]
    public var signals: Int
    public var ordersFilled: Int
    public var ordersSkipped: Int
    public var realisedPnl: Double
    public var closedTrades: Int
    public var openPositions: [(symbol: String, side: PositionSide, qty: Double, entryPrice: Double, entryFee: Double)]
}

extension PlatformDatabase {
    public func report() throws(PlatformError) -> PlatformReport {
        try read { db in
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM executions GROUP BY status") { byStatus[row[0]] = row[1] }
            let totals = "COALESCE(lock_us,0) + COALESCE(data_us,0) + COALESCE(strategy_us,0) + COALESCE(fanout_us,0) + COALESCE(commit_us,0)"
            let perExecution = try Int.fetchAll(db, sql: "SELECT \(totals) FROM executions WHERE status != 'skipped'")
            let perCandle = try Int.fetchAll(db, sql: "SELECT SUM(\(totals)) FROM executions WHERE status != 'skipped' GROUP BY candle_time, symbol")
            let signals = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signals WHERE action != 'HOLD'") ?? 0
            let filled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE status = 'filled'") ?? 0
            let skipped = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE status = 'skipped'") ?? 0
            let realised = try Double.fetchOne(db, sql: "SELECT COALESCE(SUM(pnl), 0) FROM positions WHERE status = 'closed'") ?? 0
            let closed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM positions WHERE status = 'closed'") ?? 0
            let open = try Row.fetchAll(db, sql: "SELECT symbol, side, qty, entry_price, entry_fee FROM positions WHERE status = 'open'").map {
                (symbol: $0[0] as String, side: ($0[1] as String) == "short" ? PositionSide.short : .long, qty: $0[2] as Double,
                 entryPrice: $0[3] as Double, entryFee: $0[4] as Double)
            }
            return PlatformReport(executionsByStatus: byStatus, executionMicros: perExecution, candleMicros: perCandle, signals: signals,
                                  ordersFilled: filled, ordersSkipped: skipped, realisedPnl: realised, closedTrades: closed,
                                  openPositions: open)
        }
    }
}

/// Execution counts and the latency distribution of every worker, for /metrics.
public struct ExecutionMetrics: Sendable {
    public var byStatus: [String: Int]
    /// Cumulative counts of executions at or under each bound (µs), as Prometheus buckets (+Inf
    /// left out: it is `count`).
    public var buckets: [(boundMicros: Int, count: Int)]
    public var count: Int
    public var sumMicros: Int
}

extension PlatformDatabase {
    /// Counts by status, and the histogram of lock + data + strategy + fan-out + commit per
    /// executed (not skipped) execution, from the counters the commit transactions keep
    /// (`execution_counters`, `execution_latency`): two reads of a dozen rows, whatever the history.
    public func executionMetrics() throws(PlatformError) -> ExecutionMetrics {
        try read { db in
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count FROM execution_counters") { byStatus[row[0]] = row[1] }
            var m = ExecutionMetrics(byStatus: byStatus, buckets: [], count: 0, sumMicros: 0)
            for row in try Row.fetchAll(db, sql: "SELECT le_us, count, sum_us FROM execution_latency ORDER BY le_us") {
                let bound: Int64 = row[0]
                if bound == Int64.max {
                    m.count = row[1]
                    m.sumMicros = row[2]
                } else {
                    m.buckets.append((Int(bound), row[1]))
                }
            }
            return m
        }
    }
}
