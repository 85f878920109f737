import Foundation
import GRDB
import Logging
import StrategyRuntime

/// The live side of an execution: subscribers whose credential names a live exchange
/// (`binance`, `binance-spot`, `binance-usdm`, `coindcx`) are never matched on the paper exchange.
///
/// 1. Inside the execution's one commit (the exactly-once fence), `record` decides their orders
///    with the same engine rules as paper (mirrored intents scaled by capital, signals sized by
///    their terms, rounded to the symbol's rules) and records them as `new` orders plus one
///    `pending` row each in `live_orders`, with the order's deterministic client order id; orders
///    the engine itself refuses (under the minimum, …) are recorded rejected and never sent.
///    Nothing is filled: their accounts move only with the exchange's fills.
/// 2. After the commit, `route` sends the execution's pending rows through `LiveOrderRouter` —
///    cancels first, then each subscriber's orders in order, one leg at a time across all
///    subscribers — and records what each exchange answered on that subscriber's orders:
///    accepted (and its fills, applied to the account with the engine's arithmetic), rejected
///    with the exchange's code and message, or failed with a typed `ExchangeError` (bad
///    credentials fail that subscription only). An unknown outcome stays `pending`.
/// 3. On executor start, `reconcile` (LiveDispatch+Reconcile.swift) settles every pending row
///    and compares open orders, balances and positions with each exchange.
///
/// Credentials are opened only by the router's keyring, in memory, here in the executor.
public final class LiveDispatch: Sendable {
    /// The router; nil records the live orders as pending and sends nothing (a later executor
    /// start with a router settles them).
    public let router: LiveOrderRouter?
    public let settings: Settings
    let logger: Logger
    /// Test hooks: stop as if the process died after the commit (nothing routed), or after the
    /// exchange answered and before the answers were recorded.
    let faults: Faults

    public struct Settings: Sendable {
        /// A pending market order older than this at reconciliation is expired, never sent late.
        public var maxMarketAgeMs: Int64 = 60_000
        /// Relative difference under which balances and positions agree.
        public var tolerance = 1e-6

        public init() {}
    }

    struct Faults: Sendable {
        var stopAfterCommit = false
        var stopAfterPlacing = false
    }

    /// What `route` did for one execution.
    public struct Summary: Sendable, Equatable {
        public var accepted = 0, rejected = 0, failed = 0, pending = 0
        /// The typed error of every placement or cancel that failed or was refused, by subscription.
        public var errors: [Int64: [ExchangeError]] = [:]
    }

    public convenience init(router: LiveOrderRouter?, settings: Settings = Settings(), logger: Logger = Logger(label: "tradectl.live")) {
        self.init(router: router, settings: settings, logger: logger, faults: Faults())
    }

    init(router: LiveOrderRouter?, settings: Settings = Settings(), logger: Logger = Logger(label: "tradectl.live"), faults: Faults) {
        self.router = router
        self.settings = settings
        self.logger = logger
        self.faults = faults
    }

    /// SQL over `subscriptions s`: the subscription names a credential of its owner whose broker
    /// is a live exchange (a deleted credential still counts: its orders fail with bad credentials,
    /// they never fall back to paper).
    static let isLiveSQL = """
        (s.broker_credential_id IS NOT NULL AND EXISTS (SELECT 1 FROM broker_credentials c WHERE c.public_id = s.broker_credential_id \
        AND c.user_id = s.user_id AND c.broker IN ('binance', 'binance-spot', 'binance-usdm', 'coindcx')))
        """

    // MARK: - In the commit

    /// The commit's hook for one execution: `record` inside its transaction.
    static func recorder(key: ExecutionKey, strategyID: Int64, fanout: OrderFanout) -> (Database, Int64) throws -> Void {
        { db, executionID in try record(db, executionID: executionID, key: key, strategyID: strategyID, fanout: fanout) }
    }

    /// Decides and records the live subscribers' orders, inside the execution's transaction.
    static func record(_ db: Database, executionID: Int64, key: ExecutionKey, strategyID: Int64, fanout: OrderFanout) throws {
        let credentials = try PlatformDatabase.liveCredentials(db, strategyID: strategyID)
        guard !credentials.isEmpty else { return }
        let subscribers = try PlatformDatabase.subscribers(db, FanoutBooks.Key(strategyID: strategyID, symbol: key.symbol), live: true)
        var changes: [FanoutChange] = []
        var entries: [(sub: Int64, user: Int64, credential: String, orderNo: Int64, cancel: Bool, clientID: String)] = []
        for sub in subscribers {
            guard let credential = credentials[sub.id] else { continue }
            let (change, cancels) = intended(sub, fanout: fanout)
            guard let change else { continue }
            changes.append(change)
            for o in cancels {
                // A cancel carries the client id the order was placed with.
                entries.append((sub.id, sub.userID, credential, o.id, true, ClientOrderID.derive(key: key, subscriptionID: sub.id, leg: o.id)))
            }
            for o in change.orders where o.state == .new {
                entries.append((sub.id, sub.userID, credential, o.id, false, ClientOrderID.derive(key: key, subscriptionID: sub.id, leg: o.id)))
            }
        }
        guard !changes.isEmpty else { return }
        try PlatformDatabase.write(changes, db: db, executionID: executionID, symbol: key.symbol, candleTime: key.candleTime)
        try PlatformDatabase.insertLive(db, executionID: executionID, symbol: key.symbol, entries: entries)
    }

    /// One live subscriber's orders for this execution, as the engine places them, with nothing
    /// filled: the new orders (`new`, or `rejected` by the engine's own checks) and the open
    /// orders the execution cancels (to cancel on the exchange). The account stays as it was,
    /// but for its next order number.
    static func intended(_ sub: FanoutSubscriber, fanout: OrderFanout) -> (FanoutChange?, cancels: [Order]) {
        var book = sub.book
        var journal = OrderJournal()
        let exchange = fanout.exchange(book.account.market)
        let bar = fanout.bar
        if !fanout.intents.isEmpty, let ratio = PaperExchange.mirrorRatio(capital: sub.terms.capital, referenceCapital: fanout.referenceCapital) {
            exchange.place(fanout.intents, scaledBy: ratio, on: &book, close: bar.close, time: bar.time, into: &journal)
        }
        for signal in fanout.signals {
            exchange.apply(signal, terms: sub.terms, on: &book, close: bar.close, time: bar.time, into: &journal)
        }
        let first = sub.book.nextOrderID
        var orders: [Order] = []
        var transitions: [OrderTransition] = []
        var cancels: [Order] = []
        for t in journal.transitions {
            if t.orderID < first {
                if t.to == .cancelled, let o = sub.book.orders.first(where: { $0.id == t.orderID }), !cancels.contains(where: { $0.id == o.id }) {
                    cancels.append(o)
                }
                continue
            }
            guard t.from == nil, !orders.contains(where: { $0.id == t.orderID }) else { continue }
            guard var o = journal.closed.last(where: { $0.id == t.orderID }) ?? book.orders.first(where: { $0.id == t.orderID }) else { continue }
            if t.to != .rejected {
                // As placed: the exchange decides the fills.
                o.state = .new
                o.reason = .placed
                o.filled = 0
                o.averagePrice = 0
                o.fees = 0
                o.reserved = 0
                o.updatedAt = o.placedAt
            }
            orders.append(o)
            transitions.append(OrderTransition(orderID: o.id, tag: o.tag, from: nil, to: o.state, time: o.updatedAt, reason: o.reason))
        }
        guard !orders.isEmpty || !cancels.isEmpty else { return (nil, []) }
        let change = FanoutChange(subscriptionID: sub.id, userID: sub.userID, account: sub.book.account, nextOrderID: book.nextOrderID,
                                  firstNewOrderID: first, orders: orders, transitions: transitions, fills: [], trades: [],
                                  open: nil, openChanged: false)
        return (change, cancels)
    }

    // MARK: - After the commit

    /// Sends the pending live orders and cancels of one execution and records the answers.
    ///
    /// - Returns: what happened; storage failures are logged and leave the rows pending (start-up
    ///   reconciliation settles them).
    public func route(executionID: Int64, symbol: String, rules: SymbolRules, db: PlatformDatabase) async -> Summary {
        guard let router, !faults.stopAfterCommit else { return Summary() }
        do throws(PlatformError) {
            return try await send(try db.pendingLive(executionID: executionID), db: db, router: router, resume: false, rules: [symbol: rules])
        } catch {
            logger.error("live orders of execution \(executionID) not recorded: \(error.code)")
            return Summary()
        }
    }

    /// Sends `rows` — cancels first, then each subscriber's n-th order in round n — and records
    /// the answers. A stop or take-profit whose order to protect was not accepted is not sent.
    func send(_ rows: [LiveRow], db: PlatformDatabase, router: LiveOrderRouter, resume: Bool,
              rules: [String: SymbolRules]) async throws(PlatformError) -> Summary {
        var summary = Summary()
        var answered: [(LiveRow, Answer)] = []
        let cancels = rows.filter(\.isCancel)
        if !cancels.isEmpty {
            let results = await router.submit([], cancels: cancels.map(\.cancel))
            answered += zip(cancels, results).map { ($0, .outcome($1.outcome)) }
        }
        var rounds: [[LiveRow]] = []
        var seen: [Int64: Int] = [:]
        for r in rows where !r.isCancel {
            let n = seen[r.subscriptionID, default: 0]
            seen[r.subscriptionID] = n + 1
            if rounds.count <= n { rounds.append([]) }
            rounds[n].append(r)
        }
        var refused = Set<Int64>()  // subscriptions whose earlier leg of this execution was not accepted
        for round in rounds {
            var go: [LiveRow] = []
            for r in round {
                if refused.contains(r.subscriptionID) && (r.order.purpose == .stopLoss || r.order.purpose == .takeProfit) {
                    answered.append((r, .outcome(.rejected(ExchangeError(.rejected, "not sent: the order it protects was not placed")))))
                } else {
                    go.append(r)
                }
            }
            let results = await router.submit(go.map(\.placement), resume: resume)
            for (r, result) in zip(go, results) {
                answered.append((r, .outcome(result.outcome)))
                if result.outcome.order == nil { refused.insert(r.subscriptionID) }
            }
        }
        if faults.stopAfterPlacing { return summary }
        try record(answered, db: db, rules: rules, summary: &summary)
        return summary
    }
}

extension LivePlacement {
    /// A placement of a recorded order, with the client id it was recorded with.
    init(subscriptionID: Int64, userID: Int64, credentialID: String, symbol: String, order: Order, clientID: String) {
        self.subscriptionID = subscriptionID
        self.userID = userID
        self.credentialID = credentialID
        self.symbol = symbol
        self.order = order
        self.clientID = clientID
    }
}
