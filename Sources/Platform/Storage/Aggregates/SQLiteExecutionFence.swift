import GRDB

/// The execution fence over the SQLite database (the embedded default): the same tables and
/// statements as `PlatformDatabase`'s synchronous methods, awaited on GRDB's queues.
public struct SQLiteExecutionFence: ExecutionFence {
    let db: PlatformDatabase

    public init(_ db: PlatformDatabase) {
        self.db = db
    }

    static let insert = """
        INSERT OR IGNORE INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, worker, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    public func claim(_ key: ExecutionKey, status: String, worker: String) async throws(PlatformError) -> Int64? {
        try await db.writeAsync { db in
            try db.cachedStatement(sql: Self.insert)
                .execute(arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime, status, nil, worker, PlatformDatabase.now()])
            return db.changesCount > 0 ? db.lastInsertedRowID : nil
        }
    }

    public func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) async throws(PlatformError) -> [Bool] {
        guard !keys.isEmpty else { return [] }
        return try await db.writeAsync { db in
            let insert = try db.cachedStatement(sql: Self.insert)
            let now = PlatformDatabase.now()
            return try keys.map { key in
                try insert.execute(arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime, "skipped", reason, worker, now])
                return db.changesCount > 0
            }
        }
    }

    public func isExecuted(_ key: ExecutionKey) async throws(PlatformError) -> Bool {
        try await db.readAsync { db in
            try Int64.fetchOne(db, sql: """
                SELECT id FROM executions WHERE strategy_version_id = ? AND symbol = ? AND timeframe = ? AND candle_time = ?
                """, arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime]) != nil
        }
    }

    public func lastExecutedCandle(versionID: Int64, symbol: String) async throws(PlatformError) -> Int64? {
        try await db.readAsync { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(candle_time) FROM executions WHERE strategy_version_id = ? AND symbol = ?",
                               arguments: [versionID, symbol])
        }
    }

    public func executionSummary() async throws(PlatformError) -> [ExecutionTally] {
        try await db.readAsync { db in
            try Row.fetchAll(db, sql: """
                SELECT strategy_version_id, symbol, timeframe, candle_time, COUNT(*), MIN(status) FROM executions
                GROUP BY strategy_version_id, symbol, timeframe, candle_time ORDER BY candle_time, strategy_version_id, symbol, timeframe
                """).map { ExecutionTally(key: ExecutionKey(versionID: $0[0], symbol: $0[1], timeframe: $0[2], candleTime: $0[3]),
                                          count: $0[4], status: $0[5]) }
        }
    }

    public func executionsByWorker() async throws(PlatformError) -> [String: Int] {
        try await db.readAsync { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT COALESCE(worker, ''), COUNT(*) FROM executions GROUP BY 1")
                .map { ($0[0], $0[1]) })
        }
    }

    public func countsByStatus() async throws(PlatformError) -> [String: Int] {
        try await db.readAsync { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT status, count FROM execution_counters WHERE count > 0")
                .map { ($0[0], $0[1]) })
        }
    }
}
