import StrategyRuntime

/// One subscriber of a (strategy, symbol) as the fan-out sees it: its terms, its account with
/// the open orders (`AccountBook`), and the position its fills have built (`TradeLedger`, for
/// the round trips the statistics read).
struct FanoutSubscriber: Sendable {
    let id: Int64
    let userID: Int64
    let terms: SubscriptionTerms
    var book: AccountBook
    var ledger: TradeLedger

    /// A subscriber with no account on the symbol yet: a fresh one for its terms.
    init(id: Int64, userID: Int64, terms: SubscriptionTerms, book: AccountBook? = nil, ledger: TradeLedger = TradeLedger()) {
        self.id = id
        self.userID = userID
        self.terms = terms
        self.book = book ?? AccountBook(account: terms.newAccount())
        self.ledger = ledger
    }
}

/// Who an execution fans out to: the active subscribers with their accounts, and the symbol's rules.
struct FanoutInputs: Sendable {
    var subscribers: [FanoutSubscriber]
    var rules: SymbolRules
}

/// What the fan-out decided: the journal entry of the subscribers whose accounts moved, counts
/// of what happened to them, and every subscriber as it is left.
///
/// Each subscriber's change is encoded into the entry as soon as it is decided, while it is in
/// the cache, and then dropped: 10,000 changes held until the end and read again to encode them
/// are ~50 MB of memory traffic, most of the cost of a commit.
struct FanoutResult: Sendable {
    /// The compact journal entry (`FanoutJournal`); nil when no account moved.
    var entry: [UInt8]?
    /// Subscribers whose accounts moved (each one change in `entry`), their fills, and their
    /// refused orders.
    var changed = 0, fills = 0, rejected = 0
    var subscribers: [FanoutSubscriber]
}

/// One subscriber's part of an execution: its account as the execution left it, the orders it
/// placed or moved, every transition, the fills, and the round trips they closed.
struct FanoutChange: Sendable, Equatable {
    let subscriptionID: Int64
    let userID: Int64
    var account: Account
    var nextOrderID: Int64
    /// Orders with an id from here on were placed in this execution; the others were placed
    /// earlier and changed state in it.
    var firstNewOrderID: Int64
    /// Each order placed or changed, as the execution left it.
    var orders: [Order]
    var transitions: [OrderTransition]
    var fills: [Fill]
    /// Round trips (or parts of one) its fills closed.
    var trades: [Trade]
    /// The position left open by the fills, when `openChanged`.
    var open: Position?
    var openChanged: Bool

    /// Every number is finite: a few comparisons per order, fill and trade, no allocation.
    var isFinite: Bool { nonFiniteField == nil }

    /// The first numbers of this change that are not finite, named for people.
    var nonFiniteField: String? {
        let a = account, p = a.position
        if !(a.quoteFree.isFinite && a.baseFree.isFinite && a.baseCost.isFinite && p.quantity.isFinite && p.entryPrice.isFinite
             && p.margin.isFinite && p.liquidationPrice.isFinite && a.realisedPnl.isFinite && a.fees.isFinite) {
            return "the account's balances or position"
        }
        for o in orders where !(o.quantity.isFinite && o.filled.isFinite && o.averagePrice.isFinite && o.fees.isFinite && o.reserved.isFinite
                                && (o.price?.isFinite ?? true) && (o.stopPrice?.isFinite ?? true)) {
            return "order \(o.id) (\(o.tag))"
        }
        for f in fills where !(f.price.isFinite && f.quantity.isFinite && f.fee.isFinite && f.realisedPnl.isFinite && f.positionAfter.isFinite) {
            return "a fill of order \(f.orderID)"
        }
        for t in trades where !t.isFinite { return "a closed trade's price, quantity, fee or P&L" }
        if let p = open, !p.isFinite { return "the open position's quantity, price or fee" }
        return nil
    }
}
