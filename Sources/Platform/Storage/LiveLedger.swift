import Foundation
import GRDB
import StrategyRuntime

/// One live order or cancel as recorded (`live_orders` with its `orders` row).
struct LiveRow: Sendable {
    let id: Int64
    let executionID: Int64
    let strategyID: Int64
    let subscriptionID: Int64
    let userID: Int64
    let credentialID: String
    let symbol: String
    let isCancel: Bool
    let clientID: String
    let outcome: String
    let recordedAt: Int64
    /// The engine's order as its row holds it (for a cancel: the order it cancels).
    let order: Order

    var placement: LivePlacement {
        LivePlacement(subscriptionID: subscriptionID, userID: userID, credentialID: credentialID, symbol: symbol, order: order, clientID: clientID)
    }

    var cancel: LiveCancel {
        LiveCancel(subscriptionID: subscriptionID, userID: userID, credentialID: credentialID, symbol: symbol, clientID: clientID)
    }
}

/// A live order as a user sees it: the order's number, the client order id it carries on the
/// exchange, and what the exchange answered.
public struct LiveOrderRecord: Sendable, Equatable {
    public var orderNo: Int64
    public var kind: String
    public var clientID: String
    /// `pending` (the outcome is not known yet), `accepted`, `rejected`, `failed` or `expired`.
    public var outcome: String
    /// The order's state as the `orders` row holds it.
    public var status: String
    public var reason: String
    public var exchangeState: String?
    public var errorCode: String?
    /// The exchange's own code (Binance's -1013, -2010, …), when it sent one.
    public var exchangeCode: Int?
    /// The exchange's message, or ours when the exchange sent none.
    public var message: String?
}

/// One disagreement start-up reconciliation found, and what was done about it.
public struct LiveFinding: Sendable, Equatable {
    public var subscriptionID: Int64
    /// When reconciliation found it (ms since the epoch).
    public var time: Int64
    public var disagreement: String
    public var resolution: String
}

extension PlatformDatabase {
    /// The live subscribers' credentials of a strategy: subscription id → credential id.
    static func liveCredentials(_ db: Database, strategyID: Int64) throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT s.id, s.broker_credential_id FROM subscriptions s
            WHERE s.strategy_id = ? AND s.status = 'active' AND \(LiveDispatch.isLiveSQL)
            """), arguments: [strategyID])
        for r in rows { out[r[0]] = r[1] }
        return out
    }

    /// Records live orders and cancels as pending, in the caller's transaction.
    static func insertLive(_ db: Database, executionID: Int64, symbol: String, entries: [(sub: Int64, user: Int64, credential: String, orderNo: Int64,
                                                                                           cancel: Bool, clientID: String)]) throws {
        let now = Self.now()
        let insert = try db.cachedStatement(sql: """
            INSERT INTO live_orders (execution_id, subscription_id, user_id, credential_id, symbol, order_no, kind, client_id, outcome,
                                     recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """)
        for e in entries {
            try insert.execute(arguments: [executionID, e.sub, e.user, e.credential, symbol, e.orderNo, e.cancel ? "cancel" : "place",
                                           e.clientID, now, now])
        }
    }

    private static let liveRowSQL = """
        SELECT l.id, l.execution_id, v.strategy_id, l.subscription_id, l.user_id, l.credential_id, l.symbol, l.kind, l.client_id,
               l.outcome, l.recorded_at, o.order_no, o.tag, o.side, o.type, o.qty, o.limit_price, o.stop_price, o.reduce_only, o.purpose,
               o.oco_group, o.status, o.filled, o.price, o.fee, o.candle_time, o.updated_at, o.reason
        FROM live_orders l
        JOIN orders o ON o.subscription_id = l.subscription_id AND o.symbol = l.symbol AND o.order_no = l.order_no
        JOIN executions e ON e.id = l.execution_id
        JOIN strategy_versions v ON v.id = e.strategy_version_id
        """

    private static func liveRow(_ r: Row) -> LiveRow? {
        guard let tag = OrderTag(r[12] as String) else { return nil }
        let order = Order(id: r[11], tag: tag, side: OrderSide(rawValue: r[13]) ?? .buy, type: OrderType(rawValue: r[14]) ?? .market,
                          quantity: r[15], price: r[16], stopPrice: r[17], reduceOnly: (r[18] as Int64) != 0,
                          purpose: OrderPurpose(rawValue: r[19]) ?? .order, ocoGroup: r[20], state: OrderState(rawValue: r[21]) ?? .new,
                          filled: r[22], averagePrice: r[23], fees: r[24], placedAt: r[25], updatedAt: r[26],
                          reason: OrderReason(rawValue: r[27]) ?? .placed)
        return LiveRow(id: r[0], executionID: r[1], strategyID: r[2], subscriptionID: r[3], userID: r[4], credentialID: r[5], symbol: r[6],
                       isCancel: (r[7] as String) == "cancel", clientID: r[8], outcome: r[9], recordedAt: r[10], order: order)
    }

    /// The pending live orders and cancels of one execution, in the order they were recorded.
    func pendingLive(executionID: Int64) throws(PlatformError) -> [LiveRow] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: Self.liveRowSQL + " WHERE l.execution_id = ? AND l.outcome = 'pending' ORDER BY l.id"),
                             arguments: [executionID]).compactMap(Self.liveRow)
        }
    }

    /// What start-up reconciliation compares for every subscription: its live orders still
    /// pending, or confirmed and open.
    func openLive() throws(PlatformError) -> [LiveRow] {
        try read { db in
            try Row.fetchAll(db, sql: Self.liveRowSQL + """
                 WHERE l.kind = 'place' AND (l.outcome = 'pending' OR (l.outcome = 'accepted' AND o.status IN ('new', 'partially-filled')))
                 ORDER BY l.id
                """).compactMap(Self.liveRow)
        }
    }

    /// Every active live subscription with its credential, market and the symbols of its accounts.
    func liveSubscriptions() throws(PlatformError) -> [(id: Int64, userID: Int64, credentialID: String, market: MarketKind, symbols: [String])] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.id, s.user_id, s.broker_credential_id, s.market, group_concat(a.symbol, ',')
                FROM subscriptions s LEFT JOIN accounts a ON a.subscription_id = s.id
                WHERE s.status = 'active' AND \(LiveDispatch.isLiveSQL) GROUP BY s.id ORDER BY s.id
                """).map { r in
                let symbols = (r[4] as String?).map { $0.split(separator: ",").map(String.init) } ?? []
                return (r[0], r[1], r[2], MarketKind(rawValue: r[3]) ?? .futures, symbols)
            }
        }
    }

    /// The accounts of a subscription by symbol.
    func liveAccounts(subscriptionID: Int64) throws(PlatformError) -> [String: Account] {
        try read { db in
            var out: [String: Account] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT symbol, market, leverage, quote_free, base_free, base_cost, position_qty, entry_price, margin, liquidation_price,
                       realised_pnl, fees, start_equity FROM accounts WHERE subscription_id = ?
                """, arguments: [subscriptionID]) {
                out[r[0]] = Account(market: MarketKind(rawValue: r[1]) ?? .futures, leverage: r[2], quoteFree: r[3], baseFree: r[4], baseCost: r[5],
                                    position: NetPosition(quantity: r[6], entryPrice: r[7], margin: r[8], liquidationPrice: r[9]),
                                    realisedPnl: r[10], fees: r[11], startEquity: r[12])
            }
            return out
        }
    }

    /// What reconciliation takes from the exchange for one account.
    enum Adoption: Sendable {
        case quote(Double)
        case base(Double)
        case position(NetPosition)
    }

    /// Records reconciliation findings and adopts balances and positions (only the columns
    /// adopted), in one transaction.
    func recordFindings(_ findings: [(subscriptionID: Int64, userID: Int64, disagreement: String, resolution: String)],
                        adoptions: [(subscriptionID: Int64, symbol: String, adoption: Adoption)]) throws(PlatformError) {
        try write { db in
            let now = Self.now()
            for f in findings {
                try db.cachedStatement(sql: """
                    INSERT INTO live_findings (subscription_id, user_id, time, disagreement, resolution) VALUES (?, ?, ?, ?, ?)
                    """).execute(arguments: [f.subscriptionID, f.userID, now, f.disagreement, f.resolution])
            }
            for a in adoptions {
                switch a.adoption {
                case .quote(let v):
                    try db.execute(sql: "UPDATE accounts SET quote_free = ?, updated_at = ? WHERE subscription_id = ? AND symbol = ?",
                                   arguments: [v, now, a.subscriptionID, a.symbol])
                case .base(let v):
                    try db.execute(sql: "UPDATE accounts SET base_free = ?, updated_at = ? WHERE subscription_id = ? AND symbol = ?",
                                   arguments: [v, now, a.subscriptionID, a.symbol])
                case .position(let p):
                    try db.execute(sql: """
                        UPDATE accounts SET position_qty = ?, entry_price = ?, margin = ?, liquidation_price = ?, updated_at = ?
                        WHERE subscription_id = ? AND symbol = ?
                        """, arguments: [p.quantity, p.entryPrice, p.margin, p.liquidationPrice, now, a.subscriptionID, a.symbol])
                }
            }
        }
    }

    /// Sets live rows' outcome and the exchange's answer, and writes the subscribers' changes
    /// (orders moved, transitions, fills, accounts) per execution and symbol, in one transaction.
    func recordLive(outcomes: [(rowID: Int64, outcome: String, exchangeState: String?, exchangeID: String?, error: ExchangeError?)],
                    changes: [(executionID: Int64, symbol: String, change: FanoutChange)]) throws(PlatformError) {
        try write { db in
            let now = Self.now()
            let update = try db.cachedStatement(sql: """
                UPDATE live_orders SET outcome = ?, exchange_state = coalesce(?, exchange_state), exchange_id = coalesce(?, exchange_id),
                                       error_code = ?, exchange_code = ?, message = ?, updated_at = ? WHERE id = ?
                """)
            for o in outcomes {
                try update.execute(arguments: [o.outcome, o.exchangeState, o.exchangeID, o.error?.code.description, o.error?.exchangeCode,
                                               o.error.map { $0.exchangeMessage ?? $0.message }, now, o.rowID])
            }
            for c in changes {
                try Self.write([c.change], db: db, executionID: c.executionID, symbol: c.symbol, candleTime: 0)
            }
        }
    }

    /// One of the user's subscriptions' live orders, oldest first, with what the exchange answered.
    public func liveOrders(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [LiveOrderRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.order_no, l.kind, l.client_id, l.outcome, o.status, o.reason, l.exchange_state, l.error_code, l.exchange_code, l.message
                FROM live_orders l
                JOIN orders o ON o.subscription_id = l.subscription_id AND o.symbol = l.symbol AND o.order_no = l.order_no
                WHERE l.subscription_id = ? AND l.user_id = ? ORDER BY l.id
                """, arguments: [subscriptionID, userID]).map {
                LiveOrderRecord(orderNo: $0[0], kind: $0[1], clientID: $0[2], outcome: $0[3], status: $0[4], reason: ($0[5] as String?) ?? "",
                                exchangeState: $0[6], errorCode: $0[7], exchangeCode: $0[8], message: $0[9])
            }
        }
    }

    /// One of the user's subscriptions' reconciliation findings, oldest first.
    public func liveFindings(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> [LiveFinding] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT subscription_id, time, disagreement, resolution FROM live_findings WHERE subscription_id = ? AND user_id = ? ORDER BY id
                """, arguments: [subscriptionID, userID]).map {
                LiveFinding(subscriptionID: $0[0], time: $0[1], disagreement: $0[2], resolution: $0[3])
            }
        }
    }
}
