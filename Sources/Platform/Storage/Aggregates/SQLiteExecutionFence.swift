import GRDB

/// The execution fence over the SQLite database (the embedded default), awaited on GRDB's queues.
/// Its statements (the static functions) are the ones `PlatformDatabase`'s synchronous methods
/// run too.
public struct SQLiteExecutionFence: ExecutionFence {
    let db: PlatformDatabase

    public init(_ db: PlatformDatabase) {
        self.db = db
    }

    public func claim(_ key: ExecutionKey, status: String, worker: String) async throws(PlatformError) -> Int64? {
        try await db.writeAsync { db in try Self.insert(db, [key], status: status, reason: nil, worker: worker)[0] }
    }

    public func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) async throws(PlatformError) -> [Bool] {
        guard !keys.isEmpty else { return [] }
        return try await db.writeAsync { db in
            try Self.insert(db, keys, status: "skipped", reason: reason, worker: worker).map { $0 != nil }
        }
    }

    public func isExecuted(_ key: ExecutionKey) async throws(PlatformError) -> Bool {
        try await db.readAsync { db in try Self.isExecuted(db, key) }
    }

    public func lastExecutedCandle(versionID: Int64, symbol: String) async throws(PlatformError) -> Int64? {
        try await db.readAsync { db in try Self.lastExecutedCandle(db, versionID: versionID, symbol: symbol) }
    }

    public func executionSummary() async throws(PlatformError) -> [ExecutionTally] {
        try await db.readAsync(Self.summary)
    }

    public func executionsByWorker() async throws(PlatformError) -> [String: Int] {
        try await db.readAsync { db in try Self.counts(db, "SELECT COALESCE(worker, ''), COUNT(*) FROM executions GROUP BY 1") }
    }

    public func countsByStatus() async throws(PlatformError) -> [String: Int] {
        try await db.readAsync { db in try Self.counts(db, "SELECT status, count FROM execution_counters WHERE count > 0") }
    }

    // MARK: - The statements

    /// Inserts one row per key unless the key has one; for each key the new row's id, or nil.
    static func insert(_ db: Database, _ keys: [ExecutionKey], status: String, reason: String?, worker: String) throws -> [Int64?] {
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, worker, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = PlatformDatabase.now()
        return try keys.map { key in
            try insert.execute(arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime, status, reason, worker, now])
            return db.changesCount > 0 ? db.lastInsertedRowID : nil
        }
    }

    static func isExecuted(_ db: Database, _ key: ExecutionKey) throws -> Bool {
        try Int64.fetchOne(db, sql: """
            SELECT id FROM executions WHERE strategy_version_id = ? AND symbol = ? AND timeframe = ? AND candle_time = ?
            """, arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime]) != nil
    }

    static func lastExecutedCandle(_ db: Database, versionID: Int64, symbol: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(candle_time) FROM executions WHERE strategy_version_id = ? AND symbol = ?",
                           arguments: [versionID, symbol])
    }

    static func summary(_ db: Database) throws -> [ExecutionTally] {
        try Row.fetchAll(db, sql: """
            SELECT strategy_version_id, symbol, timeframe, candle_time, COUNT(*), MIN(status) FROM executions
            GROUP BY strategy_version_id, symbol, timeframe, candle_time ORDER BY candle_time, strategy_version_id, symbol, timeframe
            """).map { ExecutionTally(key: ExecutionKey(versionID: $0[0], symbol: $0[1], timeframe: $0[2], candleTime: $0[3]),
                                      count: $0[4], status: $0[5]) }
    }

    /// Name → count rows as a dictionary.
    static func counts(_ db: Database, _ sql: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: sql) { out[row[0]] = row[1] }
        return out
    }
}
