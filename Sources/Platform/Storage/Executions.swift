import GRDB
import GRDBSQLite
import StrategyRuntime

/// Who an execution fans out to: the active subscribers, their open positions and the symbol's rules.
struct FanoutInputs: Sendable {
    struct Subscriber: Sendable {
        let id: Int64
        let userID: Int64
        let terms: SubscriptionTerms
        var position: Position?
        var positionID: Int64?
    }
    var subscribers: [Subscriber]
    var rules: SymbolRules
}

/// One subscriber's orders and position changes.
struct FanoutChange: Sendable {
    let subscriber: FanoutInputs.Subscriber
    var orders: [PaperOrder]
    /// The stored position, closed.
    var closed: Trade?
    /// Positions opened and closed on this same candle (several signals in one call).
    var closedWithin: [Trade]
    /// The position left open, if it was opened on this candle.
    var opened: Position?
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

    /// The fan-out inputs, read inside the commit's transaction so they cannot go stale: every
    /// active subscriber with its open position on the symbol, in one query.
    private static func fanoutInputs(_ db: Database, key: ExecutionKey, strategyID: Int64, rules: SymbolRules) throws -> FanoutInputs {
        var q = RawStatement(try db.cachedStatement(sql: """
            SELECT s.id, s.user_id, s.capital, s.risk_per_trade, s.leverage, s.allow_short,
                   p.id, p.side, p.qty, p.entry_price, p.entry_time, p.entry_fee, p.stop_loss, p.take_profit
            FROM subscriptions s
            LEFT JOIN positions p ON p.subscription_id = s.id AND p.symbol = ? AND p.status = 'open'
            WHERE s.strategy_id = ? AND s.status = 'active' ORDER BY s.id
            """))
        q.bind(key.symbol)
        q.bind(strategyID)
        var subscribers: [FanoutInputs.Subscriber] = []
        while try q.next(db) {
            let terms = try SubscriptionTerms(capital: q.double(2), riskPerTrade: q.double(3), leverage: q.double(4),
                                              allowShort: q.int(5) != 0)
            var position: Position?
            if !q.isNull(6) {
                position = Position(side: q.text(7) == "short" ? .short : .long, qty: q.double(8), entryPrice: q.double(9),
                                    entryTime: q.int(10), entryFee: q.double(11), stopLoss: q.optionalDouble(12),
                                    takeProfit: q.optionalDouble(13))
            }
            subscribers.append(FanoutInputs.Subscriber(id: q.int(0), userID: q.int(1), terms: terms, position: position,
                                                       positionID: position == nil ? nil : q.int(6)))
        }
        sqlite3_reset(q.handle)
        return FanoutInputs(subscribers: subscribers, rules: rules)
    }

    /// One transaction: the execution row first (the UNIQUE key fences a second commit before any
    /// work), then the fan-out computed by `fanOut` over the active subscribers read in the same
    /// transaction, every order and position change, the signals, the strategy state, and the
    /// phase times. A second commit of the same key fails as `duplicateExecution` with nothing written.
    ///
    /// - Parameter afterSubscriber: called after each subscriber's rows (fault injection in tests).
    func commit(_ r: ExecutionRecord, rules: SymbolRules, fanOut: (FanoutInputs) -> [FanoutChange],
                afterSubscriber: (@Sendable (Int) throws -> Void)? = nil) throws(PlatformError) -> CommitResult {
        do {
            return try writer.write { db -> CommitResult in
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
                let inputs = try Self.fanoutInputs(db, key: r.key, strategyID: r.strategyID, rules: rules)
                let fanStart = clock.now
                let changes = fanOut(inputs)
                let fanoutMicros = Int((clock.now - fanStart) / .microseconds(1))
                let signal = try db.cachedStatement(sql: """
                    INSERT INTO signals (execution_id, action, entry_price, stop_loss, take_profit, symbol) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for s in r.signals {
                    try signal.execute(arguments: [executionID, s.action.rawValue, s.entryPrice, s.stopLoss, s.takeProfit, s.symbol])
                }
                try Self.write(changes, db: db, executionID: executionID, key: r.key, afterSubscriber: afterSubscriber)
                if let state = r.newStateJSON {
                    try db.cachedStatement(sql: """
                        INSERT INTO strategy_state (strategy_id, symbol, timeframe, state, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (strategy_id, symbol, timeframe) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                        """).execute(arguments: [r.strategyID, r.key.symbol, r.key.timeframe, state, Self.now()])
                }
                let commitMicros = Int((clock.now - start) / .microseconds(1)) - fanoutMicros
                try db.cachedStatement(sql: "UPDATE executions SET fanout_us = ?, commit_us = ? WHERE id = ?")
                    .execute(arguments: [fanoutMicros, commitMicros, executionID])
                return CommitResult(executionID: executionID, changes: changes, fanoutMicros: fanoutMicros, commitMicros: commitMicros)
            }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && (e.message ?? "").contains("executions") {
            throw PlatformError(.duplicateExecution, "execution \(r.key) was already committed")
        } catch let e as PlatformError {
            throw e
        } catch {
            throw PlatformError(.storage, "\(error)")
        }
    }

    /// Writes the orders and position changes in multi-row statements.
    private static func write(_ changes: [FanoutChange], db: Database, executionID: Int64, key: ExecutionKey,
                              afterSubscriber: (@Sendable (Int) throws -> Void)?) throws {
        var orders = BatchInsert("""
            INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time) VALUES
            """, columns: 12)
        var opens = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee, stop_loss, take_profit, status) VALUES
            """, columns: 11)
        var within = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee,
                                   exit_price, exit_time, pnl, return_pct, exit_reason, status) VALUES
            """, columns: 13, valuesSuffix: ",'closed'")
        var closes = BatchInsert("""
            WITH v(id, exit_price, exit_time, pnl, return_pct, exit_reason) AS (VALUES
            """, columns: 6)
        for (n, c) in changes.enumerated() {
            let sub = c.subscriber
            for o in c.orders {
                try orders.add([.int(executionID), .int(sub.id), .int(sub.userID), .text(key.symbol), .text(o.side.rawValue),
                                .double(o.qty), .double(o.price), .double(o.fee), .text(o.purpose),
                                .text(o.skipped == nil ? "filled" : "skipped"), o.skipped.map { .text($0) } ?? .null,
                                .int(key.candleTime)], db)
            }
            if let t = c.closed, let pid = sub.positionID {
                try closes.add([.int(pid), .double(t.exitPrice), .int(t.exitTime), .double(t.pnl), .double(t.returnPct), .text(t.reason)],
                               db, suffix: Self.closeSuffix)
            }
            for t in c.closedWithin {
                try within.add([.int(sub.id), .int(sub.userID), .text(key.symbol), .text(t.side.rawValue), .double(t.qty),
                                .double(t.entryPrice), .int(t.entryTime), .double(t.entryFee), .double(t.exitPrice),
                                .int(t.exitTime), .double(t.pnl), .double(t.returnPct), .text(t.reason)], db)
            }
            if let p = c.opened {
                // A reversal's close must reach the table before its new open (one open position each).
                if opens.rows.count + 1 >= opens.batch { try closes.flush(db, suffix: closeSuffix) }
                try opens.add([.int(sub.id), .int(sub.userID), .text(key.symbol), .text(p.side.rawValue), .double(p.qty),
                               .double(p.entryPrice), .int(p.entryTime), .double(p.entryFee), p.stopLoss.map { .double($0) } ?? .null,
                               p.takeProfit.map { .double($0) } ?? .null, .text("open")], db)
            }
            try afterSubscriber?(n)
        }
        try orders.flush(db)
        try closes.flush(db, suffix: closeSuffix)  // closes before opens: one open position per subscriber and symbol
        try opens.flush(db)
        try within.flush(db)
    }

    /// Closes positions from the `v` rows of a batch.
    static let closeSuffix = """
        ) UPDATE positions SET status = 'closed', exit_price = v.exit_price, exit_time = v.exit_time, pnl = v.pnl,
          return_pct = v.return_pct, exit_reason = v.exit_reason FROM v WHERE positions.id = v.id
        """

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
