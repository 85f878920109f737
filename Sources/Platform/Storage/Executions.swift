import Foundation
import GRDB
import GRDBSQLite
import StrategyRuntime

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
    /// The reference account as the execution left it, and its equity at the close.
    var reference: (state: ReferenceState, equity: Double)?
    let worker: String
    let micros: (lock: Int, data: Int, strategy: Int)
    /// A scheduled run (`Coordinator.execute`): it commits only while its version is the
    /// strategy's newest and the strategy is neither paused (a bot's stop pauses it) nor deleted;
    /// otherwise it is recorded `skipped` and places nothing. Commits made for a stop or a
    /// webhook (`Coordinator.commit`) are not fenced.
    var fenced = false
}

/// What the commit measured and wrote.
struct CommitResult: Sendable {
    let executionID: Int64
    /// Fills and refused orders over every subscriber.
    let fills: Int, rejected: Int
    let fanoutMicros: Int
    let commitMicros: Int
    /// Why a fenced run was recorded `skipped` instead of committed (`ExecutionRecord.fenced`).
    var skipped: String? = nil
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

    /// The active subscribers of a strategy with their accounts on the symbol: terms and account
    /// row, then the open orders, then the open positions (round trips), merged by subscription.
    /// Paper subscribers by default; with `live`, those whose credential names a live exchange
    /// (`LiveDispatch`), which the paper fan-out never matches.
    static func subscribers(_ db: Database, _ book: FanoutBooks.Key, live: Bool = false) throws -> [FanoutSubscriber] {
        var q = RawStatement(try db.cachedStatement(sql: """
            SELECT s.id, s.user_id, s.capital, s.risk_per_trade, s.leverage, s.allow_short, s.market,
                   a.market, a.leverage, a.quote_free, a.base_free, a.base_cost, a.position_qty, a.entry_price, a.margin,
                   a.liquidation_price, a.realised_pnl, a.fees, a.start_equity, a.next_order_no
            FROM subscriptions s
            LEFT JOIN accounts a ON a.subscription_id = s.id AND a.symbol = ?
            WHERE s.strategy_id = ? AND s.status = 'active' AND \(live ? "" : "NOT ")\(LiveDispatch.isLiveSQL) ORDER BY s.id
            """))
        q.bind(book.symbol)
        q.bind(book.strategyID)
        var subscribers: [FanoutSubscriber] = []
        var index: [Int64: Int] = [:]
        while try q.next(db) {
            let terms = SubscriptionTerms(stored: q.double(2), riskPerTrade: q.double(3), leverage: q.double(4), allowShort: q.int(5) != 0,
                                          market: MarketKind(rawValue: q.text(6)) ?? .futures)
            var account: AccountBook?
            if !q.isNull(7) {
                let position = NetPosition(quantity: q.double(12), entryPrice: q.double(13), margin: q.double(14), liquidationPrice: q.double(15))
                account = AccountBook(account: Account(market: MarketKind(rawValue: q.text(7)) ?? .futures, leverage: q.double(8),
                                                       quoteFree: q.double(9), baseFree: q.double(10), baseCost: q.double(11), position: position,
                                                       realisedPnl: q.double(16), fees: q.double(17), startEquity: q.double(18)),
                                      nextOrderID: q.int(19))
            }
            index[q.int(0)] = subscribers.count
            subscribers.append(FanoutSubscriber(id: q.int(0), userID: q.int(1), terms: terms, book: account))
        }
        sqlite3_reset(q.handle)
        var o = RawStatement(try db.cachedStatement(sql: """
            SELECT o.subscription_id, o.order_no, o.tag, o.side, o.type, o.qty, o.limit_price, o.stop_price, o.reduce_only, o.purpose,
                   o.oco_group, o.status, o.filled, o.price, o.fee, o.reserved, o.candle_time, o.updated_at, o.reason
            FROM orders o JOIN subscriptions s ON s.id = o.subscription_id
            WHERE s.strategy_id = ? AND s.status = 'active' AND o.symbol = ? AND o.status IN ('new', 'partially-filled')
            ORDER BY o.subscription_id, o.order_no
            """))
        o.bind(book.strategyID)
        o.bind(book.symbol)
        while try o.next(db) {
            guard let i = index[o.int(0)], let tag = OrderTag(o.text(2)) else { continue }
            subscribers[i].book.orders.append(Order(
                id: o.int(1), tag: tag, side: OrderSide(rawValue: o.text(3)) ?? .buy, type: OrderType(rawValue: o.text(4)) ?? .market,
                quantity: o.double(5), price: o.optionalDouble(6), stopPrice: o.optionalDouble(7), reduceOnly: o.int(8) != 0,
                purpose: OrderPurpose(rawValue: o.text(9)) ?? .order, ocoGroup: o.int(10), state: OrderState(rawValue: o.text(11)) ?? .new,
                filled: o.double(12), averagePrice: o.double(13), fees: o.double(14), reserved: o.double(15), placedAt: o.int(16),
                updatedAt: o.int(17), reason: OrderReason(rawValue: o.text(18)) ?? .placed))
        }
        sqlite3_reset(o.handle)
        var p = RawStatement(try db.cachedStatement(sql: """
            SELECT p.subscription_id, p.side, p.qty, p.entry_price, p.entry_time, p.entry_fee
            FROM positions p JOIN subscriptions s ON s.id = p.subscription_id
            WHERE s.strategy_id = ? AND s.status = 'active' AND p.symbol = ? AND p.status = 'open'
            """))
        p.bind(book.strategyID)
        p.bind(book.symbol)
        while try p.next(db) {
            guard let i = index[p.int(0)] else { continue }
            subscribers[i].ledger = TradeLedger(open: Position(side: p.text(1) == "short" ? .short : .long, qty: p.double(2),
                                                               entryPrice: p.double(3), entryTime: p.int(4), entryFee: p.double(5)))
        }
        sqlite3_reset(p.handle)
        return subscribers
    }

    /// The reference account of a strategy on a symbol, as its last execution left it (nil before
    /// its first).
    func referenceState(strategyID: Int64, symbol: String) throws(PlatformError) -> ReferenceState? {
        let bytes: [UInt8]? = try read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT book FROM reference_accounts WHERE strategy_id = ? AND symbol = ?"),
                              arguments: [strategyID, symbol]).map { Array($0) }
        }
        return try bytes.map { bytes throws(PlatformError) in try ReferenceState.decode(bytes, strategyID: strategyID, symbol: symbol) }
    }

    /// Why a scheduled run of `key` may no longer commit, or nil: its strategy was paused (a bot's
    /// stop, a quarantine), deleted, or given a newer version while it ran.
    private static func staleReason(_ db: Database, _ key: ExecutionKey) throws -> String? {
        var q = RawStatement(try db.cachedStatement(sql: """
            SELECT s.deleted, s.paused_reason IS NOT NULL,
                   v.version < (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id)
            FROM strategy_versions v JOIN strategies s ON s.id = v.strategy_id WHERE v.id = ?
            """))
        q.bind(key.versionID)
        guard try q.next(db) else { return "its strategy version is gone" }
        let (deleted, paused, replaced) = (q.int(0) != 0, q.int(1) != 0, q.int(2) != 0)
        sqlite3_reset(q.handle)
        if deleted { return "its strategy was deleted while it ran" }
        if paused { return "its strategy was paused or stopped while it ran" }
        if replaced { return "a newer version of its strategy replaced it while it ran" }
        return nil
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
    /// - Parameter live: records the live subscribers' orders (`LiveDispatch`), inside the
    ///   transaction after the fan-out, given the execution's id.
    func commit(_ r: ExecutionRecord, rules: SymbolRules, fanOut: (FanoutInputs) -> FanoutResult,
                afterSubscriber: (@Sendable (Int) throws -> Void)? = nil,
                live: ((Database, Int64) throws -> Void)? = nil) throws(PlatformError) -> CommitResult {
        let book = FanoutBooks.Key(strategyID: r.strategyID, symbol: r.key.symbol)
        do {
            let (result, generation, left) = try writer.write { db -> (CommitResult, Int64, [FanoutSubscriber]) in
                let clock = ContinuousClock()
                let start = clock.now
                if r.fenced, let reason = try Self.staleReason(db, r.key) {
                    try db.cachedStatement(sql: """
                        INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, stdout, stderr,
                                                worker, lock_us, data_us, strategy_us, created_at)
                        VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [r.key.versionID, r.key.symbol, r.key.timeframe, r.key.candleTime, reason, r.stdout, r.stderr,
                                             r.worker, r.micros.lock, r.micros.data, r.micros.strategy, Self.now()])
                    let micros = Int((clock.now - start) / .microseconds(1))
                    return (CommitResult(executionID: db.lastInsertedRowID, fills: 0, rejected: 0, fanoutMicros: 0, commitMicros: micros,
                                         skipped: reason), 0, [])
                }
                try db.cachedStatement(sql: """
                    INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, error_message, traceback,
                                            stdout, stderr, worker, lock_us, data_us, strategy_us, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [r.key.versionID, r.key.symbol, r.key.timeframe, r.key.candleTime, r.status,
                                     r.error?.message, r.error?.traceback, r.stdout, r.stderr, r.worker,
                                     r.micros.lock, r.micros.data, r.micros.strategy, Self.now()])
                let executionID = db.lastInsertedRowID
                let generation = try Self.nextGeneration(db, book)
                let subscribers: [FanoutSubscriber]
                if let kept = books.subscribers(book, at: generation - 1) {
                    subscribers = kept
                } else {
                    _ = try Self.project(db, only: book)
                    subscribers = try Self.subscribers(db, book)
                }
                let fanStart = clock.now
                let out = fanOut(FanoutInputs(subscribers: subscribers, rules: rules))
                let fanoutMicros = Int((clock.now - fanStart) / .microseconds(1))
                for n in 0..<out.changed { try afterSubscriber?(n) }
                if let entry = out.entry {
                    var journal = RawStatement(try db.cachedStatement(sql: """
                        INSERT INTO fanout_journal (execution_id, strategy_id, symbol, candle_time, changes) VALUES (?, ?, ?, ?, ?)
                        """))
                    journal.bind(executionID)
                    journal.bind(r.strategyID)
                    journal.bind(r.key.symbol)
                    journal.bind(r.key.candleTime)
                    journal.bind(entry)
                    try journal.run(db)
                }
                try live?(db, executionID)
                let signal = try db.cachedStatement(sql: """
                    INSERT INTO signals (execution_id, action, entry_price, stop_loss, take_profit, symbol) VALUES (?, ?, ?, ?, ?, ?)
                    """)
                for s in r.signals {
                    try signal.execute(arguments: [executionID, s.action.rawValue, s.entryPrice, s.stopLoss, s.takeProfit, s.symbol])
                }
                if let reference = r.reference {
                    try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO reference_accounts (strategy_id, symbol, book, updated_at) VALUES (?, ?, ?, ?)
                        """).execute(arguments: [r.strategyID, r.key.symbol, Data(reference.state.encoded()), Self.now()])
                    try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO reference_equity (strategy_id, symbol, candle_time, equity) VALUES (?, ?, ?, ?)
                        """).execute(arguments: [r.strategyID, r.key.symbol, r.key.candleTime, reference.equity.isFinite ? reference.equity : 0])
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
                return (CommitResult(executionID: executionID, fills: out.fills, rejected: out.rejected, fanoutMicros: fanoutMicros, commitMicros: commitMicros),
                        generation, out.subscribers)
            }
            if result.skipped == nil { books.keep(book, at: generation, left) }
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
