import GRDB
import GRDBSQLite
import StrategyRuntime

/// Who an execution fans out to: the active subscribers, their open positions and the symbol's rules.
struct FanoutInputs: Sendable {
    struct Subscriber: Sendable {
        let id: Int64
        let userID: Int64
        let terms: SubscriptionTerms
        /// The open position on the symbol (in the `positions` table, or in a journal entry not
        /// yet expanded into it).
        var position: Position?
    }
    var subscribers: [Subscriber]
    var rules: SymbolRules
}

/// What the fan-out decided: the subscribers that got orders, and every subscriber as it is left.
struct FanoutResult: Sendable {
    var changes: [FanoutChange]
    var subscribers: [FanoutInputs.Subscriber]
}

/// One subscriber's orders and position changes.
struct FanoutChange: Sendable, Equatable {
    let subscriptionID: Int64
    let userID: Int64
    var orders: [PaperOrder]
    /// The stored position, closed.
    var closed: Trade?
    /// Positions opened and closed on this same candle (several signals in one call).
    var closedWithin: [Trade]
    /// The position left open, if it was opened on this candle.
    var opened: Position?

    /// Every number is finite: a few comparisons per order and trade, no allocation.
    var isFinite: Bool {
        orders.allSatisfy(\.isFinite) && (closed?.isFinite ?? true) && closedWithin.allSatisfy(\.isFinite) && (opened?.isFinite ?? true)
    }
}

/// What an execution writes besides its fan-out.
struct ExecutionRecord: Sendable {
    let key: ExecutionKey
    let strategyID: Int64
    let status: String
    let error: StrategyError?
    let stdout: String
    let stderr: String
    let signals: [Signal]
    let newStateJSON: String?
    let worker: String
    let micros: (lock: Int, data: Int, strategy: Int)
}

/// What the commit measured and wrote.
struct CommitResult: Sendable {
    let executionID: Int64
    let changes: [FanoutChange]
    let fanoutMicros: Int
    let commitMicros: Int
}

extension PlatformDatabase {
    /// Before running: whether the key ran already, and the strategy's state.
    func preflight(key: ExecutionKey, strategyID: Int64) throws(PlatformError) -> (done: Bool, state: String) {
        try read { db in
            let done = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT id FROM executions WHERE strategy_version_id = ? AND symbol = ? AND timeframe = ? AND candle_time = ?
                """), arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime]) != nil
            let state = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM strategy_state WHERE strategy_id = ? AND symbol = ? AND timeframe = ?"),
                                            arguments: [strategyID, key.symbol, key.timeframe]) ?? "{}"
            return (done, state)
        }
    }

    /// The active subscribers of a strategy with their open positions on the symbol, in one query.
    private static func subscribers(_ db: Database, _ book: FanoutBooks.Key) throws -> [FanoutInputs.Subscriber] {
        var q = RawStatement(try db.cachedStatement(sql: """
            SELECT s.id, s.user_id, s.capital, s.risk_per_trade, s.leverage, s.allow_short,
                   p.id, p.side, p.qty, p.entry_price, p.entry_time, p.entry_fee, p.stop_loss, p.take_profit
            FROM subscriptions s
            LEFT JOIN positions p ON p.subscription_id = s.id AND p.symbol = ? AND p.status = 'open'
            WHERE s.strategy_id = ? AND s.status = 'active' ORDER BY s.id
            """))
        q.bind(book.symbol)
        q.bind(book.strategyID)
        var subscribers: [FanoutInputs.Subscriber] = []
        while try q.next(db) {
            let terms = SubscriptionTerms(stored: q.double(2), riskPerTrade: q.double(3), leverage: q.double(4),
                                          allowShort: q.int(5) != 0)
            var position: Position?
            if !q.isNull(6) {
                position = Position(side: q.text(7) == "short" ? .short : .long, qty: q.double(8), entryPrice: q.double(9),
                                    entryTime: q.int(10), entryFee: q.double(11), stopLoss: q.optionalDouble(12),
                                    takeProfit: q.optionalDouble(13))
            }
            subscribers.append(FanoutInputs.Subscriber(id: q.int(0), userID: q.int(1), terms: terms, position: position))
        }
        sqlite3_reset(q.handle)
        return subscribers
    }

    /// Moves the pair's book generation on and returns the new one (1 for a new pair).
    private static func nextGeneration(_ db: Database, _ book: FanoutBooks.Key) throws -> Int64 {
        var q = RawStatement(try db.cachedStatement(sql: """
            INSERT INTO fanout_books (strategy_id, symbol, generation) VALUES (?, ?, 1)
            ON CONFLICT (strategy_id, symbol) DO UPDATE SET generation = generation + 1 RETURNING generation
            """))
        q.bind(book.strategyID)
        q.bind(book.symbol)
        guard try q.next(db) else { throw PlatformError(.storage, "fanout_books returned no generation") }
        let generation = q.int(0)
        sqlite3_reset(q.handle)
        return generation
    }

    /// One transaction: the execution row first (the UNIQUE key fences a second commit before any
    /// work), then the fan-out computed by `fanOut` over the active subscribers, and all of its
    /// orders and position changes as ONE journal entry, the signals, the strategy state and the
    /// phase times. A second commit of the same key fails as `duplicateExecution` with nothing
    /// written. The journal entry is expanded into `orders` and `positions` by `projectFanouts`.
    ///
    /// The subscribers and their positions come from this process's book of the pair when no
    /// other commit or subscription change happened since it was left (see `FanoutBooks`), else
    /// from the tables, after expanding the pair's pending journal entries into them.
    ///
    /// - Parameter afterSubscriber: called for each subscriber with orders, inside the transaction
    ///   (fault injection in tests).
    func commit(_ r: ExecutionRecord, rules: SymbolRules, fanOut: (FanoutInputs) -> FanoutResult,
                afterSubscriber: (@Sendable (Int) throws -> Void)? = nil) throws(PlatformError) -> CommitResult {
        let book = FanoutBooks.Key(strategyID: r.strategyID, symbol: r.key.symbol)
        do {
            let (result, generation, left) = try writer.write { db in
                let clock = ContinuousClock()
                let start = clock.now
                try db.cachedStatement(sql: """
                    INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, traceback,
                                            stdout, stderr, worker, lock_us, data_us, strategy_us, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [r.key.versionID, r.key.symbol, r.key.timeframe, r.key.candleTime, r.status,
                                     r.error?.message, r.error?.traceback, r.stdout, r.stderr, r.worker,
                                     r.micros.lock, r.micros.data, r.micros.strategy, Self.now()])
                let executionID = db.lastInsertedRowID
                let generation = try Self.nextGeneration(db, book)
                let subscribers: [FanoutInputs.Subscriber]
                if let kept = books.subscribers(book, at: generation - 1) {
                    subscribers = kept
                } else {
                    _ = try Self.project(db, only: book)
                    subscribers = try Self.subscribers(db, book)
                }
                let fanStart = clock.now
                let out = fanOut(FanoutInputs(subscribers: subscribers, rules: rules))
                let fanoutMicros = Int((clock.now - fanStart) / .microseconds(1))
                for n in out.changes.indices { try afterSubscriber?(n) }
                if !out.changes.isEmpty {
                    var journal = RawStatement(try db.cachedStatement(sql: """
                        INSERT INTO fanout_journal (execution_id, strategy_id, symbol, candle_time, changes) VALUES (?, ?, ?, ?, ?)
                        """))
                    journal.bind(executionID)
                    journal.bind(r.strategyID)
                    journal.bind(r.key.symbol)
                    journal.bind(r.key.candleTime)
                    journal.bind(FanoutJournal.encode(out.changes))
                    try journal.run(db)
                }
                let signal = try db.cachedStatement(sql: """
                    INSERT INTO signals (execution_id, action, entry_price, stop_loss, take_profit, symbol) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for s in r.signals {
                    try signal.execute(arguments: [executionID, s.action.rawValue, s.entryPrice, s.stopLoss, s.takeProfit, s.symbol])
                }
                if let state = r.newStateJSON {
                    try db.cachedStatement(sql: """
                        INSERT INTO strategy_state (strategy_id, symbol, timeframe, state, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (strategy_id, symbol, timeframe) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                        """).execute(arguments: [r.strategyID, r.key.symbol, r.key.timeframe, state, Self.now()])
                }
                let commitMicros = Int((clock.now - start) / .microseconds(1)) - fanoutMicros
                try db.cachedStatement(sql: "UPDATE executions SET fanout_us = ?, commit_us = ? WHERE id = ?")
                    .execute(arguments: [fanoutMicros, commitMicros, executionID])
                return (CommitResult(executionID: executionID, changes: out.changes, fanoutMicros: fanoutMicros, commitMicros: commitMicros),
                        generation, out.subscribers)
            }
            books.keep(book, at: generation, left)
            return result
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && (e.message ?? "").contains("executions") {
            throw PlatformError(.duplicateExecution, "execution \(r.key) was already committed")
        } catch let e as PlatformError {
            throw e
        } catch {
            throw PlatformError(.storage, "\(error)")
        }
    }

    /// Closed trades of one of the user's subscriptions, oldest first.
    public func trades(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [Trade] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM positions WHERE subscription_id = ? AND user_id = ? AND status = 'closed' ORDER BY exit_time, id
                """, arguments: [subscriptionID, userID]).map { row in
                Trade(side: PositionSide(rawValue: row["side"]) ?? .long, entryTime: row["entry_time"], exitTime: row["exit_time"],
                      entryPrice: row["entry_price"], exitPrice: row["exit_price"], qty: row["qty"], pnl: row["pnl"],
                      returnPct: row["return_pct"], reason: row["exit_reason"])
            }
        }
    }

    /// The open position of one of the user's subscriptions on a symbol.
    public func openPosition(userID: Int64, subscriptionID: Int64, symbol: String) throws(PlatformError) -> Position? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM positions WHERE subscription_id = ? AND user_id = ? AND symbol = ? AND status = 'open'",
                             arguments: [subscriptionID, userID, symbol]).map { row in
                Position(side: PositionSide(rawValue: row["side"]) ?? .long, qty: row["qty"], entryPrice: row["entry_price"],
                         entryTime: row["entry_time"], entryFee: row["entry_fee"], stopLoss: row["stop_loss"], takeProfit: row["take_profit"])
            }
        }
    }

    /// Counts for checks and reports: executions per key must be at most one.
    public func executionCount(versionID: Int64? = nil) throws(PlatformError) -> Int {
        try read { db in
            if let v = versionID {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM executions WHERE strategy_version_id = ?", arguments: [v]) ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM executions") ?? 0
        }
    }

    public func orderCount(userID: Int64? = nil) throws(PlatformError) -> Int {
        try read { db in
            if let u = userID { return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE user_id = ?", arguments: [u]) ?? 0 }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders") ?? 0
        }
    }
}
