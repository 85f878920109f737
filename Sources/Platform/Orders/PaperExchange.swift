import StrategyRuntime

/// The paper exchange of ORDERS.md: pure value code, candles and intents in, fills out.
///
/// The same functions serve the reference account of a strategy, every subscriber of the
/// fan-out, the backtester and the tests: `match` walks one candle's path over an account's open
/// orders, `place` applies order intents at a close, `apply` turns a signal into orders. Each
/// mutates one `AccountBook` in place and appends what it decided to an `OrderJournal`.
public struct PaperExchange: Sendable {
    public let rules: MarketRules
    /// Market and stop fills move this many basis points against the order.
    public let slippageBps: Double
    let slip: Double

    /// Quote and base amounts within this fraction of what is needed count as covering it, and
    /// a result that falls below 0 by no more is 0 (binary noise, never a real shortfall).
    static let tolerance = 1e-12

    /// - Throws: `PlatformError.invalidInput` naming `slippageBps` outside 0…1000.
    public init(rules: MarketRules, slippageBps: Double = 0) throws(PlatformError) {
        guard slippageBps >= 0, slippageBps <= 1_000 else {
            throw PlatformError(.invalidInput, "slippageBps must be from 0 to 1000, got \(slippageBps)", field: "slippageBps")
        }
        self.rules = rules
        self.slippageBps = slippageBps
        slip = slippageBps / 10_000
    }

    /// `price` moved by the slippage against an order on `side`.
    @inline(__always)
    func slipped(_ price: Double, _ side: OrderSide) -> Double { side == .buy ? price * (1 + slip) : price * (1 - slip) }

    @inline(__always)
    static func covers(_ available: Double, _ need: Double) -> Bool { available >= need - tolerance * max(1, need) }

    // MARK: - Fills

    /// Why the order at `i` cannot fill `quantity` at `price` now, or nil when it can.
    func shortfall(_ o: Order, quantity q: Double, at price: Double, in book: AccountBook) -> OrderReason? {
        let a = book.account
        let n = price * q, fee = n * rules.feeRate(o.type)
        if a.market == .spot {
            if o.side == .buy { return Self.covers(a.quoteFree + o.reserved, n + fee) ? nil : .insufficientBalance }
            return Self.covers(a.baseFree + pooledReservation(o, in: book), q) ? nil : .insufficientBalance
        }
        let pos = a.position
        let closing = pos.quantity != 0 && (pos.quantity > 0) != (o.side == .buy) ? min(q, abs(pos.quantity)) : 0
        if o.reduceOnly && closing == 0 { return .reduceOnlyWouldIncrease }
        let opening = o.reduceOnly ? 0 : q - closing
        guard opening > 0 else { return nil }  // a close releases margin; its fee comes from it
        let released = closing == 0 ? 0 : pos.margin * closing / abs(pos.quantity)
        let realised = closing * (price - pos.entryPrice) * (pos.quantity > 0 ? 1 : -1)
        let need = opening * price / a.leverage + fee
        return Self.covers(a.quoteFree + o.reserved + released + realised, need) ? nil : .insufficientBalance
    }

    /// Base held for `o` and for the other open orders of its one-cancels-the-other group (spot:
    /// a signal's stop and take-profit share one reservation of the position).
    func pooledReservation(_ o: Order, in book: AccountBook) -> Double {
        guard o.ocoGroup != 0 else { return o.reserved }
        var sum = 0.0
        for other in book.orders where other.ocoGroup == o.ocoGroup && !other.state.isTerminal { sum += other.reserved }
        return sum
    }

    /// Fills the rest of the order at `i` at `price` (a reduce-only order cut to the position), or
    /// expires it with the reason it cannot fill. Cancels its one-cancels-the-other siblings.
    func settle(_ i: Int, at price: Double, time: Int64, book: inout AccountBook, journal: inout OrderJournal) {
        var o = book.orders[i]
        var q = o.remaining
        if o.reduceOnly, book.account.market == .futures {
            q = min(q, abs(book.account.position.quantity))
        }
        if let why = shortfall(o, quantity: q, at: price, in: book) {
            finish(i, .expired, why, time: time, book: &book, journal: &journal)
            cancelSiblings(of: o, time: time, book: &book, journal: &journal)
            return
        }
        if q < o.remaining { o.quantity = o.filled + q }  // reduce-only: the excess is cut
        let fee = price * q * rules.feeRate(o.type)
        let realised = book.account.market == .spot
            ? fillSpot(&o, quantity: q, at: price, fee: fee, book: &book)
            : fillFutures(&o, quantity: q, at: price, fee: fee, book: &book)
        book.account.realisedPnl += realised
        book.account.fees += fee
        let before = o.state
        o.record(fill: q, at: price, fee: fee, time: time)
        book.orders[i] = o
        journal.fills.append(Fill(orderID: o.id, tag: o.tag, side: o.side, price: price, quantity: q, fee: fee, time: time,
                                  liquidation: false, maker: o.type == .limit, realisedPnl: realised,
                                  positionAfter: book.holdings, purpose: o.purpose))
        journal.transition(o, from: before)
        if o.state.isTerminal { journal.closed.append(o) }
        cancelSiblings(of: o, time: time, book: &book, journal: &journal)
    }

    /// Spot: moves quote and base for a fill; returns the profit it realised against the average cost.
    private func fillSpot(_ o: inout Order, quantity q: Double, at price: Double, fee: Double, book: inout AccountBook) -> Double {
        let n = price * q
        if o.side == .buy {
            let held = book.holdings
            book.account.quoteFree = max(0, book.account.quoteFree + o.reserved - (n + fee))
            o.reserved = 0
            book.account.baseCost = (held * book.account.baseCost + n) / (held + q)
            book.account.baseFree = rules.lotGrid.snap(book.account.baseFree + q)
            return 0
        }
        var pooled = o.reserved
        if o.ocoGroup != 0 {
            for k in book.orders.indices where book.orders[k].ocoGroup == o.ocoGroup && book.orders[k].id != o.id
                && !book.orders[k].state.isTerminal {
                pooled += book.orders[k].reserved
                book.orders[k].reserved = 0
            }
        }
        o.reserved = 0
        book.account.baseFree = max(0, rules.lotGrid.snap(book.account.baseFree + pooled - q))
        book.account.quoteFree += n - fee
        let realised = q * (price - book.account.baseCost)
        if book.holdings <= 0 { book.account.baseCost = 0 }
        return realised
    }

    /// Futures: closes and opens against the net position; returns the profit it realised.
    private func fillFutures(_ o: inout Order, quantity q: Double, at price: Double, fee: Double, book: inout AccountBook) -> Double {
        var a = book.account
        var pos = a.position
        let sign: Double = pos.quantity > 0 ? 1 : -1
        let closing = pos.quantity != 0 && (pos.quantity > 0) != (o.side == .buy) ? min(q, abs(pos.quantity)) : 0
        let opening = o.reduceOnly ? 0 : rules.lotGrid.snap(q - closing)
        var realised = closing * (price - pos.entryPrice) * sign
        let released = closing == 0 ? 0 : closing >= abs(pos.quantity) ? pos.margin : pos.margin * closing / abs(pos.quantity)
        let margin = opening * price / a.leverage
        var free = a.quoteFree + o.reserved + released + realised - fee - margin
        o.reserved = 0
        if free < 0 {  // a loss past the margin and the wallet is absorbed (the insurance fund's part)
            realised -= free
            free = 0
        }
        a.quoteFree = free
        if closing > 0 {
            pos.quantity = rules.lotGrid.snap(pos.quantity - sign * closing)
            pos.margin = max(0, pos.margin - released)
            if abs(pos.quantity) <= Self.tolerance * closing { pos = .flat }
        }
        if opening > 0 {
            let held = abs(pos.quantity)
            pos.entryPrice = (held * pos.entryPrice + opening * price) / (held + opening)
            pos.quantity = rules.lotGrid.snap(pos.quantity + o.side.sign * opening)
            pos.margin += margin
        }
        pos.liquidationPrice = Account.liquidationPrice(quantity: pos.quantity, entry: pos.entryPrice, margin: pos.margin,
                                                        mmr: rules.mmr, cum: rules.cum)
        a.position = pos
        book.account = a
        return realised
    }

    /// Closes the futures position at its liquidation price: the isolated margin is lost (the
    /// loss to that price is realised, the rest of the margin is the fill's fee) and every open
    /// order is cancelled with the reason `liquidation`.
    func liquidate(time: Int64, book: inout AccountBook, journal: inout OrderJournal) {
        let pos = book.account.position
        let lp = pos.liquidationPrice
        var realised = pos.quantity * (lp - pos.entryPrice)
        var fee = pos.margin + realised
        if fee < 0 {
            realised = -pos.margin
            fee = 0
        }
        book.account.realisedPnl += realised
        book.account.fees += fee
        book.account.position = .flat
        journal.fills.append(Fill(orderID: 0, tag: .liquidation, side: pos.quantity > 0 ? .sell : .buy, price: lp,
                                  quantity: abs(pos.quantity), fee: fee, time: time, liquidation: true, maker: false,
                                  realisedPnl: realised, positionAfter: 0, purpose: .close))
        for i in book.orders.indices where !book.orders[i].state.isTerminal {
            finish(i, .cancelled, .liquidation, time: time, book: &book, journal: &journal)
        }
    }

    // MARK: - Leaving the book

    /// Moves the open order at `i` to a terminal state, releasing what it held.
    func finish(_ i: Int, _ state: OrderState, _ reason: OrderReason, time: Int64, book: inout AccountBook,
                journal: inout OrderJournal) {
        let before = book.orders[i].state
        let held = book.orders[i].reserved
        if held > 0 {
            if book.account.market == .spot, book.orders[i].side == .sell {
                book.account.baseFree = rules.lotGrid.snap(book.account.baseFree + held)
            } else {
                book.account.quoteFree += held
            }
            book.orders[i].reserved = 0
        }
        book.orders[i].state = state
        book.orders[i].reason = reason
        book.orders[i].updatedAt = time
        journal.transition(book.orders[i], from: before)
        journal.closed.append(book.orders[i])
    }

    /// Cancels the open order at `i`; on spot, what it held for its one-cancels-the-other group
    /// moves to the sibling that stays open.
    func cancel(_ i: Int, _ reason: OrderReason, time: Int64, book: inout AccountBook, journal: inout OrderJournal) {
        let o = book.orders[i]
        if o.ocoGroup != 0, o.reserved > 0, reason != .oco,
           let k = book.orders.firstIndex(where: { $0.ocoGroup == o.ocoGroup && $0.id != o.id && !$0.state.isTerminal }) {
            book.orders[k].reserved += o.reserved
            book.orders[i].reserved = 0
        }
        finish(i, .cancelled, reason, time: time, book: &book, journal: &journal)
    }

    private func cancelSiblings(of o: Order, time: Int64, book: inout AccountBook, journal: inout OrderJournal) {
        guard o.ocoGroup != 0 else { return }
        for k in book.orders.indices where book.orders[k].ocoGroup == o.ocoGroup && book.orders[k].id != o.id
            && !book.orders[k].state.isTerminal {
            cancel(k, .oco, time: time, book: &book, journal: &journal)
        }
    }

    /// Drops the orders that left the book.
    func compact(_ book: inout AccountBook) {
        if book.orders.contains(where: { $0.state.isTerminal }) { book.orders.removeAll { $0.state.isTerminal } }
    }
}
