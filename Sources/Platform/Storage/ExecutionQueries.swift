import GRDB
import StrategyRuntime

extension PlatformDatabase {
    /// The registry: the newest version of every live, unpaused strategy with at least one active
    /// subscription. Workers refresh it periodically.
    public func activeVersions() throws(PlatformError) -> [StoredVersion] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.*, s.owner_id FROM strategy_versions v JOIN strategies s ON s.id = v.strategy_id
                WHERE s.deleted = 0 AND s.kind = 'code' AND s.paused_reason IS NULL
                  AND v.version = (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id)
                  AND EXISTS (SELECT 1 FROM subscriptions WHERE strategy_id = s.id AND status = 'active')
                ORDER BY v.id
                """).map(Self.version)
        }
    }

    /// Strategy versions by id (those still live and not paused), in id order.
    public func versions(ids: [Int64]) throws(PlatformError) -> [StoredVersion] {
        guard !ids.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.*, s.owner_id FROM strategy_versions v JOIN strategies s ON s.id = v.strategy_id
                WHERE s.deleted = 0 AND s.paused_reason IS NULL AND v.id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))
                ORDER BY v.id
                """, arguments: StatementArguments(ids)).map(Self.version)
        }
    }

    /// Records a candle that will not run (stale after downtime) as `skipped`; false when the key
    /// already has an execution.
    @discardableResult
    public func recordSkipped(_ key: ExecutionKey, worker: String, reason: String) throws(PlatformError) -> Bool {
        try recordSkipped([key], worker: worker, reason: reason)[0]
    }

    /// Records keys that will not run as `skipped`, with `reason`, in one transaction; for each
    /// key, false when it already had an execution.
    public func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) throws(PlatformError) -> [Bool] {
        guard !keys.isEmpty else { return [] }
        return try write { db in try SQLiteExecutionFence.insert(db, keys, status: "skipped", reason: reason, worker: worker).map { $0 != nil } }
    }

    /// The newest candle with an execution row for (version, symbol), if any.
    public func lastExecutedCandle(versionID: Int64, symbol: String) throws(PlatformError) -> Int64? {
        try read { db in try SQLiteExecutionFence.lastExecutedCandle(db, versionID: versionID, symbol: symbol) }
    }

    /// Whether the key has an execution row.
    public func isExecuted(_ key: ExecutionKey) throws(PlatformError) -> Bool {
        try read { db in try SQLiteExecutionFence.isExecuted(db, key) }
    }

    /// Execution rows per (version, symbol, candle): for exactly-once checks.
    public func executionSummary() throws(PlatformError) -> [(versionID: Int64, symbol: String, candleTime: Int64, count: Int, status: String)] {
        try read { try SQLiteExecutionFence.summary($0) }.map { ($0.key.versionID, $0.key.symbol, $0.key.candleTime, $0.count, $0.status) }
    }

    /// Execution rows per worker name.
    public func executionsByWorker() throws(PlatformError) -> [String: Int] {
        try read { db in try SQLiteExecutionFence.counts(db, "SELECT COALESCE(worker, ''), COUNT(*) FROM executions GROUP BY worker") }
    }

    /// Orders placed twice: that share (subscription, execution, tag) — or purpose, for orders of
    /// the signal-only broker, which had no tags. Must be none.
    public func duplicateOrders() throws(PlatformError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM orders GROUP BY subscription_id, execution_id, COALESCE(tag, purpose) HAVING COUNT(*) > 1)
                """) ?? 0
        }
    }
}
