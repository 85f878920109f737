import GRDB
import StrategyRuntime

/// A fill of one of a subscription's orders (or a liquidation).
public struct FillEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var subscriptionId: Int64
    public var executionId: Int64
    public var symbol: String
    public var orderNo: Int64
    public var tag: String
    public var side: String
    public var price: Double
    public var qty: Double
    public var fee: Double
    /// Profit or loss it realised (the part it closed), before fees.
    public var realisedPnl: Double
    /// Futures: the signed position after it; spot: the base held after it.
    public var positionAfter: Double
    public var maker: Bool
    public var liquidation: Bool
    public var purpose: String
    /// The open time of the candle it happened in.
    public var time: Int64
}

/// A subscription's account on one symbol, as its last execution left it.
public struct AccountEntry: Sendable, Codable, Equatable {
    public var subscriptionId: Int64
    public var symbol: String
    public var market: String
    public var leverage: Double
    /// Spot: free quote; futures: the wallet not held as margin.
    public var quoteFree: Double
    public var baseFree: Double
    /// Quote held: spot, by open buys; futures, the position's margin plus what open orders hold
    /// (`AccountBook.quoteReserved`, summed from the open orders' rows).
    public var quoteReserved: Double
    /// Spot: base held by open sells (0 on futures).
    public var baseReserved: Double
    /// Futures: the signed position, its average entry, isolated margin and liquidation price (0: none).
    public var positionQty: Double
    public var entryPrice: Double
    public var margin: Double
    public var liquidationPrice: Double
    public var realisedPnl: Double
    public var fees: Double
    public var startEquity: Double
    public var updatedAt: Int64
}

/// One state change of an order.
public struct OrderTransitionEntry: Sendable, Codable, Equatable {
    public var from: String?
    public var to: String
    public var reason: String
    public var time: Int64
}

extension PlatformDatabase {
    /// Orders of one of the user's subscriptions, newest first: open ones only (`open: true`),
    /// past ones only (`false`), or all (nil).
    public func orders(userID: Int64, subscriptionID: Int64, open: Bool?, limit: Int, offset: Int) throws(PlatformError) -> Page<OrderEntry> {
        _ = try subscription(userID: userID, id: subscriptionID)
        let state = open.map { $0 ? " AND status IN ('new', 'partially-filled')" : " AND status NOT IN ('new', 'partially-filled')" } ?? ""
        return try read { db in
            try Self.page(db, count: "SELECT COUNT(*) FROM orders WHERE subscription_id = ? AND user_id = ?\(state)",
                          rows: "SELECT \(Self.orderColumns) FROM orders WHERE subscription_id = ? AND user_id = ?\(state) ORDER BY id DESC",
                          [subscriptionID, userID], limit: limit, offset: offset, Self.orderEntry)
        }
    }

    /// Every order of one of the user's subscriptions, oldest first (backtests).
    public func allOrders(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [OrderEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.orderColumns) FROM orders WHERE subscription_id = ? AND user_id = ? ORDER BY id",
                             arguments: [subscriptionID, userID]).map(Self.orderEntry)
        }
    }

    /// One order of one of the user's subscriptions, by its row id.
    ///
    /// - Throws: `PlatformError.notFound` when the subscription is not the user's or holds no such order.
    public func order(userID: Int64, subscriptionID: Int64, id: Int64) throws(PlatformError) -> OrderEntry {
        _ = try subscription(userID: userID, id: subscriptionID)
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.orderColumns) FROM orders WHERE id = ? AND subscription_id = ? AND user_id = ?",
                             arguments: [id, subscriptionID, userID]).map(Self.orderEntry)
        }
        guard let found else { throw PlatformError(.notFound, "subscription \(subscriptionID) has no order \(id)") }
        return found
    }

    /// The transitions of one order of one of the user's subscriptions, oldest first.
    public func orderTransitions(userID: Int64, subscriptionID: Int64, symbol: String, orderNo: Int64) throws(PlatformError) -> [OrderTransitionEntry] {
        _ = try subscription(userID: userID, id: subscriptionID)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT from_state, to_state, reason, time FROM order_transitions WHERE subscription_id = ? AND symbol = ? AND order_no = ? ORDER BY id
                """, arguments: [subscriptionID, symbol, orderNo]).map { OrderTransitionEntry(from: $0[0], to: $0[1], reason: $0[2], time: $0[3]) }
        }
    }

    /// Fills of one of the user's subscriptions, newest first.
    public func fills(userID: Int64, subscriptionID: Int64, limit: Int, offset: Int) throws(PlatformError) -> Page<FillEntry> {
        _ = try subscription(userID: userID, id: subscriptionID)
        return try read { db in
            try Self.page(db, count: "SELECT COUNT(*) FROM fills WHERE subscription_id = ? AND user_id = ?",
                          rows: "SELECT \(Self.fillColumns) FROM fills WHERE subscription_id = ? AND user_id = ? ORDER BY id DESC",
                          [subscriptionID, userID], limit: limit, offset: offset, Self.fillEntry)
        }
    }

    /// Every fill of one of the user's subscriptions, oldest first (backtests).
    public func allFills(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [FillEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.fillColumns) FROM fills WHERE subscription_id = ? AND user_id = ? ORDER BY id",
                             arguments: [subscriptionID, userID]).map(Self.fillEntry)
        }
    }

    /// The accounts of one of the user's subscriptions, one per symbol it traded.
    public func accounts(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [AccountEntry] {
        _ = try subscription(userID: userID, id: subscriptionID)
        return try read { db in
            // What is reserved is derived from the open orders (the `orders_open` index), as the
            // account book derives it, so the two never drift apart.
            try Row.fetchAll(db, sql: """
                SELECT a.subscription_id, a.symbol, a.market, a.leverage, a.quote_free, a.base_free, a.position_qty, a.entry_price, a.margin,
                       a.liquidation_price, a.realised_pnl, a.fees, a.start_equity, a.updated_at,
                       (CASE WHEN a.market = 'futures' THEN a.margin ELSE 0 END) + COALESCE((SELECT SUM(o.reserved) FROM orders o
                        WHERE o.subscription_id = a.subscription_id AND o.symbol = a.symbol AND o.status IN ('new', 'partially-filled')
                          AND (a.market = 'futures' OR o.side = 'buy')), 0),
                       CASE WHEN a.market = 'spot' THEN COALESCE((SELECT SUM(o.reserved) FROM orders o
                        WHERE o.subscription_id = a.subscription_id AND o.symbol = a.symbol AND o.status IN ('new', 'partially-filled')
                          AND o.side = 'sell'), 0) ELSE 0 END
                FROM accounts a WHERE a.subscription_id = ? ORDER BY a.symbol
                """, arguments: [subscriptionID]).map { r in
                AccountEntry(subscriptionId: r[0], symbol: r[1], market: r[2], leverage: r[3], quoteFree: r[4], baseFree: r[5],
                             quoteReserved: r[14], baseReserved: r[15], positionQty: r[6], entryPrice: r[7], margin: r[8],
                             liquidationPrice: r[9], realisedPnl: r[10], fees: r[11], startEquity: r[12], updatedAt: r[13])
            }
        }
    }

    /// The reference account's equity at each close of a strategy on a symbol, oldest first.
    public func referenceEquity(strategyID: Int64, symbol: String, limit: Int = 10_000) throws(PlatformError) -> [(time: Int64, equity: Double)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT candle_time, equity FROM (SELECT candle_time, equity FROM reference_equity WHERE strategy_id = ? AND symbol = ?
                ORDER BY candle_time DESC LIMIT ?) ORDER BY candle_time
                """, arguments: [strategyID, symbol, limit]).map { (time: $0[0], equity: $0[1]) }
        }
    }

    static let fillColumns = """
        id, subscription_id, execution_id, symbol, order_no, tag, side, price, qty, fee, realised_pnl, position_after, maker, liquidation,
        purpose, time
        """

    static func fillEntry(_ r: Row) -> FillEntry {
        FillEntry(id: r[0], subscriptionId: r[1], executionId: r[2], symbol: r[3], orderNo: r[4], tag: r[5], side: r[6], price: r[7],
                  qty: r[8], fee: r[9], realisedPnl: r[10], positionAfter: r[11], maker: (r[12] as Int64) != 0,
                  liquidation: (r[13] as Int64) != 0, purpose: r[14], time: r[15])
    }
}
