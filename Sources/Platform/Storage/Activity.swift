import Foundation
import GRDB

/// One execution as its strategy's owner sees it.
public struct ExecutionEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var strategyVersionId: Int64
    public var symbol: String
    public var timeframe: String
    public var candleTime: Int64
    public var status: String
    public var errorMessage: String?
    public var stdout: String
    public var stderr: String
    public var worker: String?
    public var strategyMicros: Int?
    public var fanoutMicros: Int?
    public var commitMicros: Int?
}

public struct SignalEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var strategyId: Int64
    public var executionId: Int64
    public var candleTime: Int64
    public var symbol: String
    public var action: String
    public var entryPrice: Double
    public var stopLoss: Double?
    public var takeProfit: Double?
}

/// An order of a subscription, as its latest transition left it (`order_transitions` has them all).
public struct OrderEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var subscriptionId: Int64
    /// The execution that placed it.
    public var executionId: Int64
    /// The candle at whose close it was placed.
    public var candleTime: Int64
    public var symbol: String
    public var side: String
    /// Its quantity, rounded to the lot step (base units).
    public var qty: Double
    /// The average fill price (0 before a fill).
    public var price: Double
    /// Fees paid on its fills, in quote.
    public var fee: Double
    /// order (an order intent), open or close (a signal's), stop-loss or take-profit.
    public var purpose: String
    /// new, partially-filled, filled, cancelled, rejected or expired (skipped: the signal-only broker's).
    public var status: String
    /// Why it is in that state (insufficient-balance, below-min-notional, oco, liquidation, …).
    public var reason: String?
    /// The account's order number, its client tag and type (nil for signal-era orders).
    public var orderNo: Int64?
    public var tag: String?
    public var type: String
    public var limitPrice: Double?
    public var stopPrice: Double?
    public var reduceOnly: Bool
    public var filled: Double
    public var updatedAt: Int64?
}

/// A position, open or closed.
public struct PositionEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var subscriptionId: Int64
    public var symbol: String
    public var side: String
    public var qty: Double
    public var entryPrice: Double
    public var entryTime: Int64
    public var status: String
    public var exitPrice: Double?
    public var exitTime: Int64?
    public var pnl: Double?
    public var returnPct: Double?
    public var exitReason: String?
}

extension PlatformDatabase {
    /// Executions of a strategy, newest first: its owner's only.
    public func executions(ownerID: Int64, strategyID: Int64, limit: Int, offset: Int) throws(PlatformError) -> Page<ExecutionEntry> {
        try read { db in
            try Self.requireOwner(db, ownerID: ownerID, strategyID: strategyID)
            let from = "FROM executions e JOIN strategy_versions v ON v.id = e.strategy_version_id WHERE v.strategy_id = ?"
            return try Self.page(db, count: "SELECT COUNT(*) \(from)", rows: """
                SELECT e.id, e.strategy_version_id, e.symbol, e.timeframe, e.candle_time, e.status, e.error_message, e.stdout, e.stderr,
                       e.worker, e.strategy_us, e.fanout_us, e.commit_us \(from) ORDER BY e.candle_time DESC, e.id DESC
                """, [strategyID], limit: limit, offset: offset) { r in
                ExecutionEntry(id: r[0], strategyVersionId: r[1], symbol: r[2], timeframe: r[3], candleTime: r[4], status: r[5],
                               errorMessage: r[6], stdout: r[7], stderr: r[8], worker: r[9], strategyMicros: r[10],
                               fanoutMicros: r[11], commitMicros: r[12])
            }
        }
    }

    /// Signals of a strategy, newest first: for its owner and its live (active or paused)
    /// subscribers; a subscriber who cancelled reads those published up to its cancellation.
    public func signals(viewerID: Int64, strategyID: Int64, limit: Int, offset: Int) throws(PlatformError) -> Page<SignalEntry> {
        try read { db in
            guard let owner = try Int64.fetchOne(db, sql: "SELECT owner_id FROM strategies WHERE id = ?", arguments: [strategyID]) else {
                throw PlatformError(.notFound, "strategy \(strategyID) not found")
            }
            var until = Int64.max
            if owner != viewerID {
                // NULL when the viewer never subscribed; the newest signal seen when every subscription is cancelled.
                let seen = try Int64.fetchOne(db, sql: """
                    SELECT MAX(CASE WHEN status = 'cancelled' THEN COALESCE(signals_until, 0) ELSE \(Int64.max) END)
                    FROM subscriptions WHERE user_id = ? AND strategy_id = ?
                    """, arguments: [viewerID, strategyID])
                guard let seen else {
                    throw PlatformError(.forbidden, "signals of strategy \(strategyID) are for its owner and subscribers")
                }
                until = seen
            }
            let from = """
                FROM signals g JOIN executions e ON e.id = g.execution_id JOIN strategy_versions v ON v.id = e.strategy_version_id
                WHERE v.strategy_id = ? AND g.id <= ?
                """
            return try Self.page(db, count: "SELECT COUNT(*) \(from)", rows: """
                SELECT g.id, v.strategy_id, g.execution_id, e.candle_time, g.symbol, g.action, g.entry_price, g.stop_loss, g.take_profit
                \(from) ORDER BY g.id DESC
                """, [strategyID, until], limit: limit, offset: offset, Self.signalEntry)
        }
    }

    /// Positions (open and closed) of one of the user's subscriptions, newest first.
    public func positions(userID: Int64, subscriptionID: Int64, limit: Int, offset: Int) throws(PlatformError) -> Page<PositionEntry> {
        _ = try subscription(userID: userID, id: subscriptionID)
        return try read { db in
            try Self.page(db, count: "SELECT COUNT(*) FROM positions WHERE subscription_id = ? AND user_id = ?", rows: """
                SELECT id, subscription_id, symbol, side, qty, entry_price, entry_time, status, exit_price, exit_time, pnl, return_pct,
                       exit_reason FROM positions WHERE subscription_id = ? AND user_id = ? ORDER BY id DESC
                """, [subscriptionID, userID], limit: limit, offset: offset) { r in
                PositionEntry(id: r[0], subscriptionId: r[1], symbol: r[2], side: r[3], qty: r[4], entryPrice: r[5], entryTime: r[6],
                              status: r[7], exitPrice: r[8], exitTime: r[9], pnl: r[10], returnPct: r[11], exitReason: r[12])
            }
        }
    }

    /// The user's new activity since two cursors, oldest first: signals of the strategies the
    /// user subscribes to (id > `afterSignal`) and the user's orders (id > `afterOrder`).
    public func activity(userID: Int64, afterSignal: Int64, afterOrder: Int64,
                         limit: Int = 500) throws(PlatformError) -> (signals: [SignalEntry], orders: [OrderEntry]) {
        try read { db in
            let signals = try Row.fetchAll(db, sql: """
                SELECT g.id, v.strategy_id, g.execution_id, e.candle_time, g.symbol, g.action, g.entry_price, g.stop_loss, g.take_profit
                FROM signals g JOIN executions e ON e.id = g.execution_id JOIN strategy_versions v ON v.id = e.strategy_version_id
                WHERE g.id > ? AND v.strategy_id IN (SELECT strategy_id FROM subscriptions WHERE user_id = ? AND status != 'cancelled')
                ORDER BY g.id LIMIT ?
                """, arguments: [afterSignal, userID, limit]).map(Self.signalEntry)
            let orders = try Row.fetchAll(db, sql: "SELECT \(Self.orderColumns) FROM orders WHERE id > ? AND user_id = ? ORDER BY id LIMIT ?",
                                          arguments: [afterOrder, userID, limit]).map(Self.orderEntry)
            return (signals, orders)
        }
    }

    /// Everyone's new activity since two cursors, oldest first, for the API's one shared stream
    /// poller: signals (with their strategy) and orders (with their user), at most `limit` of each.
    public func activity(afterSignal: Int64, afterOrder: Int64,
                         limit: Int = 1_000) throws(PlatformError) -> (signals: [SignalEntry], orders: [(userID: Int64, order: OrderEntry)]) {
        try read { db in
            let signals = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT g.id, v.strategy_id, g.execution_id, e.candle_time, g.symbol, g.action, g.entry_price, g.stop_loss, g.take_profit
                FROM signals g JOIN executions e ON e.id = g.execution_id JOIN strategy_versions v ON v.id = e.strategy_version_id
                WHERE g.id > ? ORDER BY g.id LIMIT ?
                """), arguments: [afterSignal, limit]).map(Self.signalEntry)
            let orders = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.orderColumns), user_id FROM orders WHERE id > ? ORDER BY id LIMIT ?"),
                                          arguments: [afterOrder, limit]).map { (userID: $0[20] as Int64, order: Self.orderEntry($0)) }
            return (signals, orders)
        }
    }

    /// Which of `users` follow which of `strategies` (a live subscription: active or paused), as
    /// (user, strategy) pairs: who sees a strategy's signals in their stream.
    public func followers(of strategies: Set<Int64>, among users: Set<Int64>) throws(PlatformError) -> [(user: Int64, strategy: Int64)] {
        guard !strategies.isEmpty, !users.isEmpty else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT user_id, strategy_id FROM subscriptions
                WHERE status != 'cancelled' AND strategy_id IN (\(strategies.map(String.init).joined(separator: ",")))
                  AND user_id IN (\(users.map(String.init).joined(separator: ",")))
                """).map { (user: $0[0] as Int64, strategy: $0[1] as Int64) }
        }
    }

    /// The newest signal and order ids: a stream starts after them.
    public func activityCursors() throws(PlatformError) -> (signal: Int64, order: Int64) {
        try read { db in
            (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM signals") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM orders") ?? 0)
        }
    }

    static let orderColumns = """
        id, subscription_id, execution_id, candle_time, symbol, side, qty, price, fee, purpose, status, reason, order_no, tag, type,
        limit_price, stop_price, reduce_only, filled, updated_at
        """

    static func orderEntry(_ r: Row) -> OrderEntry {
        OrderEntry(id: r[0], subscriptionId: r[1], executionId: r[2], candleTime: r[3], symbol: r[4], side: r[5], qty: r[6],
                   price: r[7], fee: r[8], purpose: r[9], status: r[10], reason: r[11], orderNo: r[12], tag: r[13], type: r[14],
                   limitPrice: r[15], stopPrice: r[16], reduceOnly: (r[17] as Int64) != 0, filled: r[18], updatedAt: r[19])
    }

    static func signalEntry(_ r: Row) -> SignalEntry {
        SignalEntry(id: r[0], strategyId: r[1], executionId: r[2], candleTime: r[3], symbol: r[4], action: r[5], entryPrice: r[6],
                    stopLoss: r[7], takeProfit: r[8])
    }

    static func page<T: Sendable>(_ db: Database, count: String, rows: String, _ args: StatementArguments, limit: Int, offset: Int,
                                  _ map: (Row) throws -> T) throws -> Page<T> {
        let total = try Int.fetchOne(db, sql: count, arguments: args) ?? 0
        let items = try Row.fetchAll(db, sql: rows + " LIMIT ? OFFSET ?", arguments: args + [limit, offset]).map(map)
        return Page(items: items, total: total, limit: limit, offset: offset)
    }
}
