import StrategyRuntime

extension PaperExchange {
    /// Applies order intents at a candle's close, in list order.
    ///
    /// Each placement is checked and rounded: a valid unique tag; the price (limit) or stop price
    /// (stop) finite, within `MarketRules.priceBounds` and rounded to the nearest tick; the
    /// amount finite and > 0 (a quote amount converted at that price, at the close for market
    /// orders); reduce-only only on futures, only against the position, cut to its size; the
    /// quantity rounded down to the lot step and at or above the minimum quantity and notional
    /// (reduce-only orders are exempt from the minimum notional, as on Binance futures); the
    /// balance covering it. A refused order is recorded as `rejected` with its reason.
    ///
    /// Limit and stop orders rest from the next candle on. A spot buy reserves
    /// `price × qty × (1 + fee)` quote (a stop buy at its slipped price), a spot sell `qty` base;
    /// a futures order reserves the margin of the part that would open against the current
    /// position plus its fee (reduce-only: nothing). Market orders fill at once at `close` ±
    /// slippage with the taker fee.
    ///
    /// - Parameters:
    ///   - intents: as the strategy returned them (or the reference's, when mirroring).
    ///   - ratio: amounts are multiplied by it first (a subscriber's capital / the reference capital).
    ///   - book: the account and its open orders, updated in place.
    ///   - close: the candle's close (market fills, quote conversion of market orders).
    ///   - time: the candle's open time: the orders' `placedAt` and the market fills' time.
    ///   - journal: rejections, transitions, fills and the orders that left are appended.
    /// - Returns: how many intents were accepted (placed, filled, or cancelled what they named).
    @discardableResult
    public func place(_ intents: [OrderIntent], scaledBy ratio: Double = 1, on book: inout AccountBook, close: Double,
                      time: Int64, into journal: inout OrderJournal) -> Int {
        if book.orders.capacity < book.orders.count + intents.count {
            book.orders.reserveCapacity(book.orders.count + intents.count)  // one allocation, not one per doubling
        }
        var accepted = 0
        for intent in intents where apply(intent, ratio: ratio, book: &book, close: close, time: time, journal: &journal) {
            accepted += 1
        }
        compact(&book)
        return accepted
    }

    /// `place` for a strategy's reference account, returning the intents it accepted: what every
    /// subscriber mirrors.
    public func placeReference(_ intents: [OrderIntent], on book: inout AccountBook, close: Double, time: Int64,
                               into journal: inout OrderJournal) -> [OrderIntent] {
        var out: [OrderIntent] = []
        for intent in intents where apply(intent, ratio: 1, book: &book, close: close, time: time, journal: &journal) {
            out.append(intent)
        }
        compact(&book)
        return out
    }

    /// The ratio a subscriber mirrors the reference account by: its capital over the reference
    /// capital. nil unless both are finite and > 0 (the subscriber is then set aside).
    public static func mirrorRatio(capital: Double, referenceCapital: Double) -> Double? {
        guard capital > 0, capital.isFinite, referenceCapital > 0, referenceCapital.isFinite else { return nil }
        let ratio = capital / referenceCapital
        return ratio > 0 && ratio.isFinite ? ratio : nil
    }

    private func apply(_ intent: OrderIntent, ratio: Double, book: inout AccountBook, close: Double, time: Int64,
                       journal: inout OrderJournal) -> Bool {
        switch intent {
        case .place(let request):
            return submit(request, ratio: ratio, purpose: .order, book: &book, close: close, time: time, journal: &journal) != nil
        case .cancel(let tag):
            guard let i = book.orders.firstIndex(where: { $0.tag == tag && !$0.state.isTerminal }) else {
                journal.rejections.append(Rejection(tag: tag, reason: .unknownTag, time: time))
                return false
            }
            cancel(i, .cancelledByStrategy, time: time, book: &book, journal: &journal)
            return true
        case .cancelAll:
            for i in book.orders.indices where !book.orders[i].state.isTerminal {
                cancel(i, .cancelledByStrategy, time: time, book: &book, journal: &journal)
            }
            return true
        }
    }

    /// Checks, rounds and places one order (filling it at once when it is a market order).
    ///
    /// - Returns: the order's id, or nil when it was rejected (and recorded so).
    func submit(_ r: OrderRequest, ratio: Double = 1, purpose: OrderPurpose, ocoGroup: Int64 = 0, book: inout AccountBook,
                close: Double, time: Int64, journal: inout OrderJournal) -> Int64? {
        var o = newOrder(r, purpose: purpose, ocoGroup: ocoGroup, book: &book, time: time)
        func reject(_ why: OrderReason) -> Int64? {
            record(rejected: &o, why, journal: &journal)
            return nil
        }
        guard !book.orders.contains(where: { $0.tag == r.tag && !$0.state.isTerminal }) else { return reject(.duplicateTag) }
        let reference: Double
        switch r.type {
        case .market:
            guard MarketRules.priceBounds.contains(close) else { return reject(.invalidPrice) }
            reference = close
        case .limit:
            guard let p = r.price.flatMap(rules.roundPrice) else { return reject(.invalidPrice) }
            o.price = p
            reference = p
        case .stop:
            guard let p = r.stopPrice.flatMap(rules.roundPrice) else { return reject(.invalidPrice) }
            o.stopPrice = p
            reference = p
        }
        var raw: Double
        switch r.amount.scaled(by: ratio) {
        case .quantity(let q): raw = q
        case .quote(let a): raw = a / reference
        }
        o.quantity = raw
        guard raw > 0, raw <= MarketRules.maxQuantity else { return reject(.invalidQuantity) }
        let pos = book.account.position.quantity
        if r.reduceOnly {
            guard book.account.market == .futures else { return reject(.reduceOnlyNotFutures) }
            guard pos != 0, (pos > 0) != (r.side == .buy) else { return reject(.reduceOnlyWouldIncrease) }
            raw = min(raw, abs(pos))
        }
        guard let q = rules.roundQuantity(raw) else { return reject(.invalidQuantity) }
        o.quantity = q
        if let why = rules.minimumBroken(quantity: q, price: reference, reduceOnly: r.reduceOnly) { return reject(why) }

        if r.type == .market {
            let price = slipped(close, r.side)
            if let why = shortfall(o, quantity: q, at: price, in: book) { return reject(why) }
            book.orders.append(o)
            journal.transition(o, from: nil)
            settle(book.orders.count - 1, at: price, time: time, book: &book, journal: &journal)
            return o.id
        }
        guard reserve(&o, reference: reference, book: &book) else { return reject(.insufficientBalance) }
        book.orders.append(o)
        journal.transition(o, from: nil)
        return o.id
    }

    /// A new order for `r`, taking the book's next id.
    func newOrder(_ r: OrderRequest, purpose: OrderPurpose, ocoGroup: Int64 = 0, book: inout AccountBook, time: Int64) -> Order {
        defer { book.nextOrderID += 1 }
        return Order(id: book.nextOrderID, tag: r.tag, side: r.side, type: r.type, quantity: 0,
                     price: r.type == .limit ? r.price : nil, stopPrice: r.type == .stop ? r.stopPrice : nil,
                     reduceOnly: r.reduceOnly, purpose: purpose, ocoGroup: ocoGroup, state: .new, filled: 0, averagePrice: 0,
                     fees: 0, reserved: 0, placedAt: time, updatedAt: time, reason: .placed)
    }

    /// Records `o` as rejected for `why` (no number that is not finite is kept).
    func record(rejected o: inout Order, _ why: OrderReason, journal: inout OrderJournal) {
        if !(o.price?.isFinite ?? true) { o.price = nil }
        if !(o.stopPrice?.isFinite ?? true) { o.stopPrice = nil }
        if !o.quantity.isFinite { o.quantity = 0 }
        o.state = .rejected
        o.reason = why
        journal.transition(o, from: nil)
        journal.closed.append(o)
        journal.rejections.append(Rejection(tag: o.tag, reason: why, time: o.updatedAt))
    }

    /// Takes what a resting order holds from the free balance; false when it does not cover it.
    private func reserve(_ o: inout Order, reference: Double, book: inout AccountBook) -> Bool {
        let price = o.type == .stop ? slipped(reference, o.side) : reference
        let rate = rules.feeRate(o.type)
        var a = book.account
        var need: Double
        if a.market == .spot {
            if o.side == .sell {
                // A signal's stop and take-profit share one reservation of the position.
                let shared = o.ocoGroup == 0 ? 0 : pooledReservation(o, in: book)
                let base = max(0, o.quantity - shared)
                guard Self.covers(a.baseFree, base) else { return false }
                o.reserved = min(base, a.baseFree)
                a.baseFree = max(0, rules.lotGrid.snap(a.baseFree - o.reserved))
                book.account = a
                return true
            }
            let n = price * o.quantity
            need = n + n * rate
        } else if o.reduceOnly {
            need = 0
        } else {
            let pos = a.position.quantity
            let opening = pos != 0 && (pos > 0) != (o.side == .buy) ? max(0, o.quantity - abs(pos)) : o.quantity
            need = opening * price / a.leverage + price * o.quantity * rate
        }
        guard Self.covers(a.quoteFree, need) else { return false }
        need = min(need, a.quoteFree)
        o.reserved = need
        a.quoteFree -= need
        book.account = a
        return true
    }
}
