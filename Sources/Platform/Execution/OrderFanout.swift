import StrategyRuntime

/// One execution's fan-out on the order level (ORDERS.md): for every active subscriber, the
/// candle is matched against its resting orders, then the intents the reference account accepted
/// are mirrored scaled by its capital over the reference capital, and the signals are applied
/// sized by its own terms — all on the one paper exchange. A subscriber whose account did not
/// move gives no change; one whose numbers came out not finite keeps its account as it was and
/// gets one rejected order saying so.
struct OrderFanout {
    let spot: PaperExchange
    let futures: PaperExchange
    let bar: Bar
    let signals: [Signal]
    /// What the reference account accepted: every subscriber mirrors exactly these.
    let intents: [OrderIntent]
    let referenceCapital: Double

    /// - Throws: `PlatformError.invalidInput` when the symbol's rules or the slippage are invalid.
    init(rules: SymbolRules, slippageBps: Double, bar: Bar, signals: [Signal], intents: [OrderIntent],
         referenceCapital: Double) throws(PlatformError) {
        spot = try PaperExchange(rules: try rules.market(.spot), slippageBps: slippageBps)
        futures = try PaperExchange(rules: try rules.market(.futures), slippageBps: slippageBps)
        self.bar = bar
        self.signals = signals
        self.intents = intents
        self.referenceCapital = referenceCapital
    }

    func exchange(_ market: MarketKind) -> PaperExchange { market == .spot ? spot : futures }

    func run(_ inputs: FanoutInputs) -> FanoutResult {
        var result = FanoutResult(subscribers: inputs.subscribers)
        let moving = !intents.isEmpty || !signals.isEmpty
        var encoder = FanoutJournal.Encoder(base: bar.time, capacity: (moving ? result.subscribers.count : 16) * 320)
        // Reused by every subscriber: once a change is encoded, its lists are unique again and
        // emptied in place, so a subscriber costs no allocation of its own.
        var journal = OrderJournal()
        var trades: [Trade] = []
        var touched: [Order] = []
        for i in result.subscribers.indices {
            let (id, userID, terms) = (result.subscribers[i].id, result.subscribers[i].userID, result.subscribers[i].terms)
            let before = (account: result.subscribers[i].book.account, nextOrderID: result.subscribers[i].book.nextOrderID)
            let resting = !result.subscribers[i].book.orders.isEmpty || before.account.position.quantity != 0
            let ratio = intents.isEmpty ? nil : PaperExchange.mirrorRatio(capital: terms.capital, referenceCapital: referenceCapital)
            if !resting && ratio == nil && signals.isEmpty { continue }
            var book = result.subscribers[i].book
            var ledger = result.subscribers[i].ledger
            let exchange = exchange(book.account.market)
            journal.removeAll()
            trades.removeAll(keepingCapacity: true)
            if resting { _ = exchange.match(&book, candle: bar, into: &journal) }
            if let ratio { exchange.place(intents, scaledBy: ratio, on: &book, close: bar.close, time: bar.time, into: &journal) }
            for signal in signals {
                exchange.apply(signal, terms: terms, on: &book, close: bar.close, time: bar.time, into: &journal)
            }
            if journal.transitions.isEmpty && journal.fills.isEmpty && book.account == before.account { continue }
            let openBefore = ledger.open
            for fill in journal.fills { ledger.record(fill, into: &trades) }
            Self.touched(journal, book, into: &touched)
            var change = FanoutChange(subscriptionID: id, userID: userID, account: book.account, nextOrderID: book.nextOrderID,
                                      firstNewOrderID: before.nextOrderID, orders: touched, transitions: journal.transitions,
                                      fills: journal.fills, trades: trades, open: ledger.open, openChanged: ledger.open != openBefore)
            if change.isFinite {
                result.subscribers[i].book = book
                result.subscribers[i].ledger = ledger
            } else {
                // Terms or an account stored before the bounds existed can still make a product
                // overflow: that one subscriber's execution is set aside, its account unchanged.
                change = Self.setAside(result.subscribers[i], bar: bar, why: change.nonFiniteField ?? "a number")
                result.subscribers[i].book.nextOrderID += 1
            }
            encoder.change(change)
            result.changed += 1
            result.fills += change.fills.count
            for t in change.transitions where t.to == .rejected { result.rejected += 1 }
        }
        if result.changed > 0 { result.entry = encoder.finish() }
        return result
    }

    /// The orders a journal's transitions name, each once, as the book or the journal left them,
    /// into `out` (emptied first).
    static func touched(_ journal: OrderJournal, _ book: AccountBook, into out: inout [Order]) {
        out.removeAll(keepingCapacity: true)
        for t in journal.transitions where !out.contains(where: { $0.id == t.orderID }) {
            if let i = book.orders.firstIndex(where: { $0.id == t.orderID }) {
                out.append(book.orders[i])
            } else if let i = journal.closed.lastIndex(where: { $0.id == t.orderID }) {
                out.append(journal.closed[i])
            }
        }
    }

    /// The change of a subscriber whose execution was set aside: one rejected order saying why.
    static func setAside(_ sub: FanoutSubscriber, bar: Bar, why: String) -> FanoutChange {
        let id = sub.book.nextOrderID
        let order = Order(id: id, tag: "platform:not-finite", side: .buy, type: .market, quantity: 0, state: .rejected,
                          placedAt: bar.time, reason: .notFinite)
        return FanoutChange(subscriptionID: sub.id, userID: sub.userID, account: sub.book.account, nextOrderID: id + 1, firstNewOrderID: id,
                            orders: [order],
                            transitions: [OrderTransition(orderID: id, tag: order.tag, from: nil, to: .rejected, time: bar.time, reason: .notFinite)],
                            fills: [], trades: [], open: sub.ledger.open, openChanged: false)
    }
}
