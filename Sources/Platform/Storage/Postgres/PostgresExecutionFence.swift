import PostgresNIO

/// The execution fence on PostgreSQL: the UNIQUE execution key decides, through
/// `INSERT … ON CONFLICT DO NOTHING RETURNING id`: the winner gets the id, every other racer
/// (on any connection, in any process) gets no row.
public struct PostgresExecutionFence: ExecutionFence {
    let storage: PostgresStorage

    public init(_ storage: PostgresStorage) {
        self.storage = storage
    }

    public func claim(_ key: ExecutionKey, status: String, worker: String) async throws(PlatformError) -> Int64? {
        try await storage.query("claiming \(key)") { client in
            let rows = try await client.query("""
                INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, worker, created_at)
                VALUES (\(key.versionID), \(key.symbol), \(key.timeframe), \(key.candleTime), \(status), \(worker), \(PlatformDatabase.now()))
                ON CONFLICT (strategy_version_id, symbol, timeframe, candle_time) DO NOTHING RETURNING id
                """, logger: storage.logger)
            return try await Self.first(rows, Int64.self)
        }
    }

    public func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) async throws(PlatformError) -> [Bool] {
        guard !keys.isEmpty else { return [] }
        return try await storage.transaction("recording \(keys.count) skipped executions") { connection in
            let now = PlatformDatabase.now()
            var inserted: [Bool] = []
            inserted.reserveCapacity(keys.count)
            for key in keys {
                let rows = try await connection.query("""
                    INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, worker, created_at)
                    VALUES (\(key.versionID), \(key.symbol), \(key.timeframe), \(key.candleTime), 'skipped', \(reason), \(worker), \(now))
                    ON CONFLICT (strategy_version_id, symbol, timeframe, candle_time) DO NOTHING RETURNING id
                    """, logger: storage.logger)
                inserted.append(try await Self.first(rows, Int64.self) != nil)
            }
            return inserted
        }
    }

    public func isExecuted(_ key: ExecutionKey) async throws(PlatformError) -> Bool {
        try await storage.query("reading \(key)") { client in
            let rows = try await client.query("""
                SELECT id FROM executions
                WHERE strategy_version_id = \(key.versionID) AND symbol = \(key.symbol) AND timeframe = \(key.timeframe) AND candle_time = \(key.candleTime)
                """, logger: storage.logger)
            return try await Self.first(rows, Int64.self) != nil
        }
    }

    public func lastExecutedCandle(versionID: Int64, symbol: String) async throws(PlatformError) -> Int64? {
        try await storage.query("reading the last executed candle") { client in
            let rows = try await client.query("""
                SELECT MAX(candle_time) FROM executions WHERE strategy_version_id = \(versionID) AND symbol = \(symbol)
                """, logger: storage.logger)
            return try await Self.first(rows, Int64?.self) ?? nil
        }
    }

    public func executionSummary() async throws(PlatformError) -> [ExecutionTally] {
        try await storage.query("reading the execution summary") { client in
            let rows = try await client.query("""
                SELECT strategy_version_id, symbol, timeframe, candle_time, COUNT(*), MIN(status) FROM executions
                GROUP BY strategy_version_id, symbol, timeframe, candle_time ORDER BY candle_time, strategy_version_id, symbol, timeframe
                """, logger: storage.logger)
            var out: [ExecutionTally] = []
            for try await (version, symbol, timeframe, candle, count, status) in rows.decode((Int64, String, String, Int64, Int64, String).self) {
                out.append(ExecutionTally(key: ExecutionKey(versionID: version, symbol: symbol, timeframe: timeframe, candleTime: candle),
                                          count: Int(count), status: status))
            }
            return out
        }
    }

    public func executionsByWorker() async throws(PlatformError) -> [String: Int] {
        try await storage.query("counting executions by worker") { client in
            try await Self.counts(client.query("SELECT COALESCE(worker, ''), COUNT(*) FROM executions GROUP BY 1", logger: storage.logger))
        }
    }

    public func countsByStatus() async throws(PlatformError) -> [String: Int] {
        try await storage.query("reading the execution counters") { client in
            try await Self.counts(client.query("SELECT status, count FROM execution_counters WHERE count > 0", logger: storage.logger))
        }
    }

    /// The first row's value (nil without rows), reading the sequence to its end so the
    /// connection goes back to the pool clean.
    private static func first<T: PostgresDecodable>(_ rows: PostgresRowSequence, _: T.Type) async throws -> T? {
        var value: T?
        for try await v in rows.decode(T.self) where value == nil { value = v }
        return value
    }

    private static func counts(_ rows: PostgresRowSequence) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for try await (name, count) in rows.decode((String, Int64).self) { out[name] = Int(count) }
        return out
    }
}
