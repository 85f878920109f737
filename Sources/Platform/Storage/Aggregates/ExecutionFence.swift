/// The execution-fence aggregate: the `executions` rows, whose UNIQUE key (strategy version,
/// symbol, timeframe, candle) is what makes an execution happen exactly once, whatever the locks
/// did. The first aggregate of the storage split (issue 17): the same API over SQLite
/// (`SQLiteExecutionFence`) and PostgreSQL (`PostgresExecutionFence`).
///
/// Every method is async and none waits on a cooperative thread: SQLite's busy waits run on
/// GRDB's own queues, PostgreSQL's round trips on SwiftNIO's event loops.
public protocol ExecutionFence: Sendable {
    /// Records the execution row of `key` with `status`, fenced by the UNIQUE key: of any number of
    /// callers racing for one key, in one process or several, exactly one gets the row's id and
    /// every other gets nil. Nothing is written for a loser.
    ///
    /// - Throws: `PlatformError.storage` when the database refuses or cannot be reached.
    func claim(_ key: ExecutionKey, status: String, worker: String) async throws(PlatformError) -> Int64?

    /// Records keys that will not run as `skipped` with `reason`, in one transaction; for each key,
    /// false when it already had an execution.
    func recordSkipped(_ keys: [ExecutionKey], worker: String, reason: String) async throws(PlatformError) -> [Bool]

    /// Whether the key has an execution row.
    func isExecuted(_ key: ExecutionKey) async throws(PlatformError) -> Bool

    /// The newest candle with an execution row for (version, symbol), if any.
    func lastExecutedCandle(versionID: Int64, symbol: String) async throws(PlatformError) -> Int64?

    /// Execution rows per key, oldest candle first: for exactly-once checks (every count must be 1).
    func executionSummary() async throws(PlatformError) -> [ExecutionTally]

    /// Execution rows per worker name.
    func executionsByWorker() async throws(PlatformError) -> [String: Int]

    /// Executions by status, from the counters the database keeps in the inserting transaction
    /// (`execution_counters`), never by scanning `executions`.
    func countsByStatus() async throws(PlatformError) -> [String: Int]
}

/// The execution rows of one key.
public struct ExecutionTally: Sendable, Equatable {
    public var key: ExecutionKey
    public var count: Int
    /// The smallest status among the rows (the only one when `count` is 1).
    public var status: String

    public init(key: ExecutionKey, count: Int, status: String) {
        self.key = key
        self.count = count
        self.status = status
    }
}
