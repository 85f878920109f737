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
        try write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, worker, created_at)
                VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?)
                """, arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime, reason, worker, Self.now()])
            return db.changesCount > 0
        }
    }

    /// Records keys that will not run as `skipped`, with `reason`, in one transaction; for each
    /// key, false when it already had an execution.
    public func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) throws(PlatformError) -> [Bool] {
        guard !keys.isEmpty else { return [] }
        return try write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, worker, created_at)
                VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?)
                """)
            let now = Self.now()
            return try keys.map { key in
                try insert.execute(arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime, reason, worker, now])
                return db.changesCount > 0
            }
        }
    }

    /// The newest candle with an execution row for (version, symbol), if any.
    public func lastExecutedCandle(versionID: Int64, symbol: String) throws(PlatformError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(candle_time) FROM executions WHERE strategy_version_id = ? AND symbol = ?",
                               arguments: [versionID, symbol])
        }
    }

    /// Whether the key has an execution row.
    public func isExecuted(_ key: ExecutionKey) throws(PlatformError) -> Bool {
        try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT id FROM executions WHERE strategy_version_id = ? AND symbol = ? AND timeframe = ? AND candle_time = ?
                """, arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime]) != nil
        }
    }

    /// Execution rows per (version, symbol, candle): for exactly-once checks.
    public func executionSummary() throws(PlatformError) -> [(versionID: Int64, symbol: String, candleTime: Int64, count: Int, status: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT strategy_version_id, symbol, candle_time, COUNT(*), MIN(status) FROM executions
                GROUP BY strategy_version_id, symbol, timeframe, candle_time ORDER BY candle_time
                """).map { ($0[0], $0[1], $0[2], $0[3], $0[4]) }
        }
    }

    /// Execution rows per worker name.
    public func executionsByWorker() throws(PlatformError) -> [String: Int] {
        try read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT COALESCE(worker, ''), COUNT(*) FROM executions GROUP BY worker") {
                out[row[0]] = row[1]
            }
            return out
        }
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
