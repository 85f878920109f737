import StrategyRuntime

extension PaperExchange {
    /// What `match` did with a candle.
    public enum MatchOutcome: Sendable, Equatable {
        /// The candle was walked (whether or not anything filled).
        case matched
        /// A price is not finite or ≤ 0, or low/high do not enclose open and close: nothing was
        /// touched, so the caller can set the candle aside with its error.
        case invalidCandle
    }

    /// One order the path reaches: where, at what fill price, and which order.
    struct Trigger {
        var at: Double
        var price: Double
        var index: Int
    }

    /// Matches one candle against the book's open orders, as ORDERS.md says.
    ///
    /// - The path is open → low → high → close when close ≥ open, else open → high → low → close;
    ///   orders fill in the order the path reaches their prices (on one leg, in price order; at
    ///   one point, oldest first). Prices the candle gapped through fill at the open, the one
    ///   farthest from the open first.
    /// - A limit buy at P fills at P when the path reaches ≤ P (at the open when it opens below
    ///   P); a limit sell mirrors it; maker fee. A stop triggers when the path crosses its price
    ///   and fills there (at the open after a gap) ± slippage; taker fee. No partial fills.
    /// - Only orders placed before this candle (`placedAt < candle.time`) can fill.
    /// - A futures position is liquidated when the path reaches its liquidation price, before
    ///   any order at or beyond that point, and before any fill whose price (after slippage) lies
    ///   beyond it. The liquidation price is recomputed after every fill.
    /// - A reduce-only order is cut to the position when it fills, and expires
    ///   (`reduce-only-would-increase`) when there is nothing to reduce; an order the balance no
    ///   longer covers when reached expires (`insufficient-balance`). A fill cancels the other
    ///   orders of its one-cancels-the-other group (`oco`).
    ///
    /// - Parameters:
    ///   - book: the account and its open orders; updated in place (orders that leave are removed).
    ///   - candle: the candle; `time` is its open time and stamps the fills.
    ///   - journal: fills, transitions, and the orders that left are appended.
    /// - Returns: `.invalidCandle` (and nothing changed) for a candle that is not a candle.
    @discardableResult
    public func match(_ book: inout AccountBook, candle: Bar, into journal: inout OrderJournal) -> MatchOutcome {
        guard let path = CandlePath(candle) else { return .invalidCandle }
        let n = book.orders.count
        if n == 0 && book.account.position.quantity == 0 { return .matched }
        return withUnsafeTemporaryAllocation(of: Trigger.self, capacity: max(n, 1)) { triggers in
            var count = 0
            for i in 0..<n {
                let o = book.orders[i]
                guard o.placedAt < candle.time, !o.state.isTerminal, let x = o.triggerPrice else { continue }
                let down = (o.type == .limit) == (o.side == .buy)  // limit buys and stop sells wait for a fall
                guard let at = path.reach(x, down: down, from: -.infinity) else { continue }
                let price = at <= 0 ? candle.open : x
                triggers[count] = Trigger(at: at, price: o.type == .stop ? slipped(price, o.side) : price, index: i)
                count += 1
            }
            if count == 0 && book.account.position.liquidationPrice == 0 { return .matched }
            Self.sort(triggers, count)
            var now = -Double.infinity
            var liquidated = false
            for k in 0..<count {
                let t = triggers[k]
                guard !book.orders[t.index].state.isTerminal else { continue }  // cancelled by an earlier fill
                if liquidates(before: t, path: path, from: now, book: book) {
                    liquidate(time: candle.time, book: &book, journal: &journal)
                    liquidated = true
                    break
                }
                settle(t.index, at: t.price, time: candle.time, book: &book, journal: &journal)
                now = max(now, t.at)
            }
            if !liquidated, let lp = liquidationPrice(book),
               path.reach(lp, down: book.account.position.quantity > 0, from: now) != nil {
                liquidate(time: candle.time, book: &book, journal: &journal)
            }
            compact(&book)
            return .matched
        }
    }

    /// The position's liquidation price, if it can be liquidated.
    private func liquidationPrice(_ book: AccountBook) -> Double? {
        let lp = book.account.position.liquidationPrice
        return book.account.position.quantity != 0 && lp > 0 ? lp : nil
    }

    /// Whether the position is liquidated before the order of `t` fills: the path reaches the
    /// liquidation price at or before the order's point, or the fill price lies beyond it.
    private func liquidates(before t: Trigger, path: CandlePath, from now: Double, book: AccountBook) -> Bool {
        guard let lp = liquidationPrice(book) else { return false }
        let long = book.account.position.quantity > 0
        if long ? t.price < lp : t.price > lp { return true }
        guard let at = path.reach(lp, down: long, from: now) else { return false }
        return at <= t.at
    }

    /// Insertion sort by position on the path, then by age (index): a handful of orders per book.
    private static func sort(_ t: UnsafeMutableBufferPointer<Trigger>, _ count: Int) {
        guard count > 1 else { return }
        for i in 1..<count {
            let x = t[i]
            var j = i - 1
            while j >= 0 && (t[j].at > x.at || (t[j].at == x.at && t[j].index > x.index)) {
                t[j + 1] = t[j]
                j -= 1
            }
            t[j + 1] = x
        }
    }

    /// `match` on copies: the pure form, returning the updated book and what happened.
    public func matched(_ book: AccountBook, candle: Bar) -> (book: AccountBook, journal: OrderJournal, outcome: MatchOutcome) {
        var b = book
        var j = OrderJournal()
        let outcome = match(&b, candle: candle, into: &j)
        return (b, j, outcome)
    }
}
