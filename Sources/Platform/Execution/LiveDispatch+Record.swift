import Foundation
import StrategyRuntime

extension LiveDispatch {
    /// How one recorded live row was settled.
    enum Answer: Sendable {
        /// What the router reported.
        case outcome(LiveOutcome)
        /// Reconciliation expired it: never sent, or gone from the exchange.
        case expire
    }

    private struct Group: Hashable {
        let executionID: Int64
        let strategyID: Int64
        let subscriptionID: Int64
        let symbol: String
    }

    /// Records the exchanges' answers on the subscribers' orders, in one transaction: the order's
    /// state, fill and reason; the `live_orders` row's outcome with the exchange's code and
    /// message; and each fill the exchange reports complete, applied to the account with the
    /// engine's own arithmetic (`PaperExchange.settle` at the exchange's average price). An
    /// unknown outcome leaves the row pending.
    func record(_ answered: [(LiveRow, Answer)], db: PlatformDatabase, rules: [String: SymbolRules],
                summary: inout Summary) throws(PlatformError) {
        guard !answered.isEmpty else { return }
        var outcomes: [(rowID: Int64, outcome: String, exchangeState: String?, exchangeID: String?, error: ExchangeError?)] = []
        var order: [Group] = []
        var changes: [Group: FanoutChange] = [:]
        var books: [Group: AccountBook] = [:]
        let now = PlatformDatabase.now()
        for (row, answer) in answered {
            let g = Group(executionID: row.executionID, strategyID: row.strategyID, subscriptionID: row.subscriptionID, symbol: row.symbol)
            if books[g] == nil {
                guard let book = try liveBook(db, g) else { continue }
                books[g] = book
                changes[g] = FanoutChange(subscriptionID: row.subscriptionID, userID: row.userID, account: book.account, nextOrderID: book.nextOrderID,
                                          firstNewOrderID: .max, orders: [], transitions: [], fills: [], trades: [], open: nil, openChanged: false)
                order.append(g)
            }
            var moved: Order?
            switch answer {
            case .expire:
                outcomes.append((row.id, "expired", nil, nil, nil))
                var o = row.order
                o.state = .expired
                o.reason = .exchange
                o.updatedAt = now
                moved = o
            case .outcome(.done(let x)), .outcome(.found(let x)):
                summary.accepted += 1
                outcomes.append((row.id, "accepted", x.state.rawValue, x.exchangeID, nil))
                var o = x.applied(to: row.order)
                if x.state == .filled && row.order.state != .filled, let r = rules[row.symbol],
                   let fills = settle(row.order, at: x.averagePrice, time: x.updatedAt, book: &books[g]!, rules: r) {
                    changes[g]!.fills += fills
                    o.fees = max(o.fees, fills.reduce(0) { $0 + $1.fee })
                }
                moved = o
            case .outcome(.rejected(let e)):
                summary.rejected += 1
                summary.errors[row.subscriptionID, default: []].append(e)
                outcomes.append((row.id, "rejected", nil, nil, e))
                if !row.isCancel {
                    var o = row.order
                    o.state = .rejected
                    o.reason = e.orderReason
                    o.updatedAt = now
                    moved = o
                }
            case .outcome(.failed(let e)):
                summary.errors[row.subscriptionID, default: []].append(e)
                if e.mayHaveExecuted {
                    summary.pending += 1
                    outcomes.append((row.id, "pending", nil, nil, e))
                } else {
                    summary.failed += 1
                    outcomes.append((row.id, "failed", nil, nil, e))
                    if !row.isCancel {
                        var o = row.order
                        o.state = .rejected
                        o.reason = .exchange
                        o.updatedAt = now
                        moved = o
                    }
                }
            }
            if let o = moved, o != row.order {
                changes[g]!.orders.append(o)
                if o.state != row.order.state {
                    changes[g]!.transitions.append(OrderTransition(orderID: o.id, tag: o.tag, from: row.order.state, to: o.state,
                                                                   time: o.updatedAt, reason: o.reason))
                }
            }
        }
        var written: [(executionID: Int64, symbol: String, change: FanoutChange)] = []
        for g in order {
            var c = changes[g]!
            if let book = books[g] { c.account = book.account }
            written.append((g.executionID, g.symbol, c))
        }
        try db.recordLive(outcomes: outcomes, changes: written)
    }

    /// The live subscriber's account on the symbol with its open orders (nil when it has none:
    /// a subscription no longer active keeps its orders' rows, and only they are updated).
    private func liveBook(_ db: PlatformDatabase, _ g: Group) throws(PlatformError) -> AccountBook? {
        let subs = try db.read { d in try PlatformDatabase.subscribers(d, FanoutBooks.Key(strategyID: g.strategyID, symbol: g.symbol), live: true) }
        if let s = subs.first(where: { $0.id == g.subscriptionID }) { return s.book }
        guard let account = try db.liveAccounts(subscriptionID: g.subscriptionID)[g.symbol] else { return nil }
        return AccountBook(account: account)
    }

    /// Applies a complete fill of `order` at `price` to the book; the engine's fills, or nil
    /// when the book cannot hold it (the exchange's account differs: reconciliation adopts it).
    private func settle(_ order: Order, at price: Double, time: Int64, book: inout AccountBook, rules: SymbolRules) -> [Fill]? {
        guard price > 0, price.isFinite, let exchange = try? PaperExchange(rules: try rules.market(book.account.market)) else { return nil }
        var o = order
        o.state = .new
        var b = book
        if let i = b.orders.firstIndex(where: { $0.id == o.id }) { b.orders[i] = o } else { b.orders.append(o) }
        let i = b.orders.firstIndex(where: { $0.id == o.id })!
        var journal = OrderJournal()
        exchange.settle(i, at: price, time: time, book: &b, journal: &journal)
        let fills = journal.fills.filter { $0.orderID == o.id }
        guard !fills.isEmpty else { return nil }
        book.account = b.account
        book.orders.removeAll { $0.id == o.id }
        return fills
    }
}
