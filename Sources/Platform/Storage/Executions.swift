import GRDB
import StrategyRuntime

/// What an execution reads before it runs.
struct FanoutInputs: Sendable {
    struct Subscriber: Sendable {
        let id: Int64
        let userID: Int64
        let terms: SubscriptionTerms
        var position: Position?
        var positionID: Int64?
    }
    var alreadyExecuted: Bool
    var subscribers: [Subscriber]
    var stateJSON: String
    var rules: SymbolRules
}

/// What an execution writes, in one transaction.
struct ExecutionRecord: Sendable {
    struct Change: Sendable {
        let subscriber: FanoutInputs.Subscriber
        var orders: [PaperOrder]
        var closed: Trade?
        var opened: Position?
    }
    let key: ExecutionKey
    let strategyID: Int64
    let status: String
    let error: StrategyError?
    let stdout: String
    let stderr: String
    let signals: [Signal]
    let changes: [Change]
    let newStateJSON: String?
    let worker: String
    let micros: (lock: Int, data: Int, strategy: Int, fanout: Int)
}

extension PlatformDatabase {
    func fanoutInputs(key: ExecutionKey, strategyID: Int64) throws(PlatformError) -> FanoutInputs {
        try read { db in
            let done = try Int64.fetchOne(db, sql: """
                SELECT id FROM executions WHERE strategy_version_id = ? AND symbol = ? AND timeframe = ? AND candle_time = ?
                """, arguments: [key.versionID, key.symbol, key.timeframe, key.candleTime]) != nil
            if done { return FanoutInputs(alreadyExecuted: true, subscribers: [], stateJSON: "{}", rules: SymbolRules()) }
            var positions: [Int64: (Int64, Position)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT p.* FROM positions p JOIN subscriptions s ON s.id = p.subscription_id
                WHERE s.strategy_id = ? AND s.status = 'active' AND p.symbol = ? AND p.status = 'open'
                """, arguments: [strategyID, key.symbol]) {
                positions[row["subscription_id"]] = (row["id"], Position(
                    side: PositionSide(rawValue: row["side"]) ?? .long, qty: row["qty"], entryPrice: row["entry_price"],
                    entryTime: row["entry_time"], entryFee: row["entry_fee"], stopLoss: row["stop_loss"], takeProfit: row["take_profit"]))
            }
            let subscribers = try Row.fetchAll(db, sql: """
                SELECT id, user_id, capital, risk_per_trade, leverage, allow_short FROM subscriptions
                WHERE strategy_id = ? AND status = 'active' ORDER BY id
                """, arguments: [strategyID]).map { row throws -> FanoutInputs.Subscriber in
                let id: Int64 = row["id"]
                let terms = try SubscriptionTerms(capital: row["capital"], riskPerTrade: row["risk_per_trade"],
                                                  leverage: row["leverage"], allowShort: row["allow_short"])
                return FanoutInputs.Subscriber(id: id, userID: row["user_id"], terms: terms,
                                               position: positions[id]?.1, positionID: positions[id]?.0)
            }
            let state = try String.fetchOne(db, sql: "SELECT state FROM strategy_state WHERE strategy_id = ? AND symbol = ? AND timeframe = ?",
                                            arguments: [strategyID, key.symbol, key.timeframe]) ?? "{}"
            let rules = try Row.fetchOne(db, sql: "SELECT lot_step, min_notional FROM symbol_rules WHERE symbol = ?", arguments: [key.symbol])
                .map { SymbolRules(lotStep: $0["lot_step"], minNotional: $0["min_notional"]) } ?? SymbolRules()
            return FanoutInputs(alreadyExecuted: false, subscribers: subscribers, stateJSON: state, rules: rules)
        }
    }

    /// Writes the execution row, its signals, every order and position change and the strategy
    /// state in ONE transaction. The UNIQUE execution key makes a second commit of the same key
    /// fail as `duplicateExecution`, with nothing written.
    ///
    /// - Parameter afterSubscriber: called after each subscriber's rows (fault injection in tests).
    func commit(_ r: ExecutionRecord, afterSubscriber: (@Sendable (Int) throws -> Void)? = nil) throws(PlatformError) -> Int64 {
        do {
            return try writer.write { db -> Int64 in
                try db.execute(sql: """
                    INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, traceback,
                                            stdout, stderr, worker, lock_us, data_us, strategy_us, fanout_us, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.key.versionID, r.key.symbol, r.key.timeframe, r.key.candleTime, r.status,
                                     r.error?.message, r.error?.traceback, r.stdout, r.stderr, r.worker,
                                     r.micros.lock, r.micros.data, r.micros.strategy, r.micros.fanout, Self.now()])
                let executionID = db.lastInsertedRowID
                let signal = try db.cachedStatement(sql: """
                    INSERT INTO signals (execution_id, action, entry_price, stop_loss, take_profit, symbol) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for s in r.signals {
                    try signal.execute(arguments: [executionID, s.action.rawValue, s.entryPrice, s.stopLoss, s.takeProfit, s.symbol])
                }
                let order = try db.cachedStatement(sql: """
                    INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let close = try db.cachedStatement(sql: """
                    UPDATE positions SET status = 'closed', exit_price = ?, exit_time = ?, pnl = ?, return_pct = ?, exit_reason = ?
                    WHERE id = ? AND subscription_id = ? AND status = 'open'
                    """)
                let open = try db.cachedStatement(sql: """
                    INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee,
                                           stop_loss, take_profit, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
                    """)
                for (n, c) in r.changes.enumerated() {
                    let sub = c.subscriber
                    for o in c.orders {
                        try order.execute(arguments: [executionID, sub.id, sub.userID, r.key.symbol, o.side.rawValue, o.qty, o.price,
                                                      o.fee, o.purpose, o.skipped == nil ? "filled" : "skipped", o.skipped, r.key.candleTime])
                    }
                    if let t = c.closed, let pid = sub.positionID {
                        try close.execute(arguments: [t.exitPrice, t.exitTime, t.pnl, t.returnPct, t.reason, pid, sub.id])
                    }
                    if let p = c.opened {
                        try open.execute(arguments: [sub.id, sub.userID, r.key.symbol, p.side.rawValue, p.qty, p.entryPrice,
                                                     p.entryTime, p.entryFee, p.stopLoss, p.takeProfit])
                    }
                    try afterSubscriber?(n)
                }
                if let state = r.newStateJSON {
                    try db.execute(sql: """
                        INSERT INTO strategy_state (strategy_id, symbol, timeframe, state, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (strategy_id, symbol, timeframe) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                        """, arguments: [r.strategyID, r.key.symbol, r.key.timeframe, state, Self.now()])
                }
                return executionID
            }
        } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && (e.message ?? "").contains("executions") {
            throw PlatformError(.duplicateExecution, "execution \(r.key) was already committed")
        } catch let e as PlatformError {
            throw e
        } catch {
            throw PlatformError(.storage, "\(error)")
        }
    }

    func recordCommitTime(executionID: Int64, micros: Int) {
        _ = try? write { db in
            try db.execute(sql: "UPDATE executions SET commit_us = ? WHERE id = ?", arguments: [micros, executionID])
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
