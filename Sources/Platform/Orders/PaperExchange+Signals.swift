import StrategyRuntime

extension PaperExchange {
    /// Turns a signal into orders on this engine, at a candle's close (ORDERS.md: one broker).
    ///
    /// - BUY wants a long, SELL a short (futures with `terms.allowShort`; otherwise, and always on
    ///   spot, SELL only closes), CLOSE no position, HOLD nothing.
    /// - A position on the other side is closed first: its signal stop and take-profit are
    ///   cancelled (`position-closed`), then a market order closes it (reduce-only on futures;
    ///   on spot, all the base that can be sold).
    /// - A new position is a market order sized by `Sizing.quantity` at the fill price (the close
    ///   ± slippage), capped at what the free balance covers with the taker fee (and the margin at
    ///   the account's leverage), then a stop-market at `stopLoss` and a take-profit limit at
    ///   `takeProfit` for the filled quantity: reduce-only on futures, one-cancels-the-other, and
    ///   on spot sharing one reservation of the base. They rest from the next candle on.
    /// - Nothing happens when the position is already on the wanted side.
    ///
    /// A sizing that comes to nothing is recorded as a rejected `open` order with its reason.
    public func apply(_ signal: Signal, terms: SubscriptionTerms, on book: inout AccountBook, close: Double, time: Int64,
                      into journal: inout OrderJournal) {
        let futures = book.account.market == .futures
        let wanted: OrderSide?
        switch signal.action {
        case .hold: return
        case .close: wanted = nil
        case .buy: wanted = .buy
        case .sell: wanted = futures && terms.allowShort ? .sell : nil
        }
        let current = side(of: book, close: close)
        if let side = current, side != wanted {
            closePosition(side, book: &book, close: close, time: time, journal: &journal)
        }
        if let side = wanted, current != side {
            open(side, signal: signal, terms: terms, book: &book, close: close, time: time, journal: &journal)
        }
        compact(&book)
    }

    /// The side of the position: futures by its sign; spot long when the base held could be sold.
    private func side(of book: AccountBook, close: Double) -> OrderSide? {
        let held = book.holdings
        if book.account.market == .futures { return held > 0 ? .buy : held < 0 ? .sell : nil }
        guard let q = rules.roundQuantity(held), q > 0, rules.minimumBroken(quantity: q, price: close) == nil else { return nil }
        return .buy
    }

    private func closePosition(_ side: OrderSide, book: inout AccountBook, close: Double, time: Int64,
                               journal: inout OrderJournal) {
        for i in book.orders.indices where !book.orders[i].state.isTerminal
            && (book.orders[i].purpose == .stopLoss || book.orders[i].purpose == .takeProfit) {
            finish(i, .cancelled, .positionClosed, time: time, book: &book, journal: &journal)
        }
        let futures = book.account.market == .futures
        let quantity = futures ? abs(book.account.position.quantity) : book.account.baseFree
        let tag = Self.signalTag("close", book.nextOrderID)
        _ = submit(.market(side.opposite, .quantity(quantity), tag: tag, reduceOnly: futures), purpose: .close,
                   book: &book, close: close, time: time, journal: &journal)
    }

    private func open(_ side: OrderSide, signal: Signal, terms: SubscriptionTerms, book: inout AccountBook, close: Double,
                      time: Int64, journal: inout OrderJournal) {
        let price = slipped(close, side)
        var t = terms
        t.leverage = book.account.leverage
        let tag = Self.signalTag("open", book.nextOrderID)
        let quantity: Double
        switch Sizing.quantity(entry: price, stopLoss: signal.stopLoss, terms: t, rules: rules.sizingRules) {
        case .quantity(let q):
            let affordable = book.account.quoteFree / (price * (1 / book.account.leverage + rules.takerFee))
            if affordable >= q {
                quantity = q
            } else if let a = rules.roundQuantity(affordable), rules.minimumBroken(quantity: a, price: price) == nil {
                quantity = a
            } else {
                var o = newOrder(.market(side, .quantity(q), tag: tag), purpose: .open, book: &book, time: time)
                o.quantity = q
                record(rejected: &o, .insufficientBalance, journal: &journal)
                return
            }
        case .skipped:
            var o = newOrder(.market(side, .quantity(0), tag: tag), purpose: .open, book: &book, time: time)
            record(rejected: &o, sizingFailure(price: price, signal: signal, terms: t), journal: &journal)
            return
        }
        guard let id = submit(.market(side, .quantity(quantity), tag: tag), purpose: .open, book: &book, close: close,
                              time: time, journal: &journal),
              let filled = journal.closed.last(where: { $0.id == id })?.filled, filled > 0 else { return }
        let futures = book.account.market == .futures
        if let sl = signal.stopLoss {
            _ = submit(.stop(side.opposite, .quantity(filled), at: sl, tag: Self.signalTag("sl", id), reduceOnly: futures),
                       purpose: .stopLoss, ocoGroup: id, book: &book, close: close, time: time, journal: &journal)
        }
        if let tp = signal.takeProfit {
            _ = submit(.limit(side.opposite, .quantity(filled), at: tp, tag: Self.signalTag("tp", id), reduceOnly: futures),
                       purpose: .takeProfit, ocoGroup: id, book: &book, close: close, time: time, journal: &journal)
        }
    }

    /// `sig:<kind>.<id>`: the tags of a signal's orders, unique by the order id.
    static func signalTag(_ kind: String, _ id: Int64) -> OrderTag {
        guard let tag = OrderTag("sig:\(kind).\(id)") else { preconditionFailure("signal tag kinds are short and plain") }
        return tag
    }

    /// Why `Sizing.quantity` gave nothing, as a reason code: the same rule asked again without
    /// the minimum notional, then without any rounding, tells which limit it was.
    private func sizingFailure(price: Double, signal: Signal, terms: SubscriptionTerms) -> OrderReason {
        guard MarketRules.priceBounds.contains(price) else { return .invalidPrice }
        if case .quantity = Sizing.quantity(entry: price, stopLoss: signal.stopLoss, terms: terms,
                                            rules: SymbolRules(lotStep: rules.lotStep)) {
            return .belowMinNotional
        }
        if case .quantity = Sizing.quantity(entry: price, stopLoss: signal.stopLoss, terms: terms, rules: SymbolRules()) {
            return .belowMinQuantity
        }
        return .invalidQuantity
    }
}
