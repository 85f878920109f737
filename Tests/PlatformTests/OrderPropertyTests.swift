import Platform
import StrategyRuntime
import Testing

/// Random candle paths and random intents and signals (seeded): the engine's invariants hold
/// after every match and every placement.
@Suite struct OrderPropertyTests {
    struct Meta {
        var reduceOnly: Bool
        var type: OrderType
        var placedAt: Int64
    }

    /// One random case: rules, an account, and 25 candles each followed by a few intents.
    struct Case {
        var rng: SplitMix64
        let market: MarketKind
        let ex: PaperExchange
        var book: AccountBook
        var meta: [Int64: Meta] = [:]
        var life: [Int64: [OrderTransition]] = [:]
        var realised = 0.0, fees = 0.0
        var liquidations = 0
        var failures: [String] = []

        init(seed: UInt64, market: MarketKind) {
            rng = SplitMix64(seed: seed)
            self.market = market
            let ticks = [0, 0.01, 0.1], lots = [0, 0.001, 0.1]
            let rules = try! MarketRules(market: market, tickSize: ticks[Int(rng.next() % 3)], lotStep: lots[Int(rng.next() % 3)],
                                         minNotional: rng.next() % 2 == 0 ? 0 : 5, makerFee: 0.002 * rng.unit(),
                                         takerFee: 0.002 * rng.unit(), mmr: 0.005, cum: rng.next() % 4 == 0 ? 1 : 0)
            ex = try! PaperExchange(rules: rules, slippageBps: rng.next() % 2 == 0 ? 0 : 5)
            let capital = 100 + 10_000 * rng.unit()
            book = market == .spot
                ? Orders.spot(quote: capital, base: rng.next() % 3 == 0 ? 5 : 0, at: 100)
                : Orders.futures(wallet: capital, leverage: Double(1 + rng.next() % 50))
        }

        mutating func check(_ journal: OrderJournal, mark: Double, placedAt time: Int64, matching: Bool, before: Double) {
            var held = before
            for f in journal.fills {
                realised += f.realisedPnl
                fees += f.fee
                if f.liquidation { liquidations += 1 }
                if market == .spot && f.positionAfter < 0 { failures.append("spot short after \(f)") }
                if !f.liquidation, let m = meta[f.orderID] {
                    if m.reduceOnly && !(held != 0 && (f.positionAfter == 0 || (f.positionAfter > 0) == (held > 0))
                                         && abs(f.positionAfter) < abs(held)) {
                        failures.append("reduce-only fill moved \(held) to \(f.positionAfter)")
                    }
                    if matching && m.placedAt >= time { failures.append("order \(f.orderID) filled in its own candle") }
                    if !matching && m.type != .market { failures.append("a \(m.type) order filled when placed") }
                }
                if abs(f.positionAfter - (held + f.side.sign * f.quantity)) > 1e-9 * max(1, f.quantity) {
                    failures.append("a fill of \(f.side) \(f.quantity) moved the position from \(held) to \(f.positionAfter)")
                }
                held = f.positionAfter
            }
            for t in journal.transitions {
                let prior = life[t.orderID, default: []]
                if let last = prior.last {
                    if last.to.isTerminal { failures.append("order \(t.orderID) moved after \(last.to)") }
                    if t.from != last.to { failures.append("order \(t.orderID) from \(String(describing: t.from)) after \(last.to)") }
                } else if t.from != nil || !(t.to == .new || t.to == .rejected) {
                    failures.append("order \(t.orderID) began with \(t.to)")
                }
                life[t.orderID, default: []].append(t)
            }
            let a = book.account
            let numbers = [a.quoteFree, a.baseFree, a.baseCost, a.position.quantity, a.position.margin, a.position.entryPrice,
                           a.realisedPnl, a.fees, book.quoteReserved, book.baseReserved]
            if !numbers.allSatisfy(\.isFinite) { failures.append("a number is not finite: \(numbers)") }
            if a.quoteFree < 0 || a.baseFree < 0 || book.quoteReserved < 0 || book.baseReserved < 0 || a.position.margin < 0 {
                failures.append("a negative balance: \(numbers)")
            }
            if market == .spot && book.holdings < 0 { failures.append("spot short: \(book.holdings)") }
            if abs(realised - a.realisedPnl) > 1e-9 * max(1, abs(realised)) || abs(fees - a.fees) > 1e-9 * max(1, fees) {
                failures.append("the fills do not add up to the account's realised \(a.realisedPnl) and fees \(a.fees)")
            }
            // cash + positions = start + realised + unrealised − fees
            let unrealised = book.unrealised(at: mark)
            let lhs = book.equity(at: mark)
            let rhs = a.startEquity + a.realisedPnl + unrealised - a.fees
            if abs(lhs - rhs) > 1e-9 * max(1, abs(a.startEquity)) { failures.append("equity \(lhs) ≠ \(rhs)") }
        }

        mutating func intent(close: Double) -> OrderIntent {
            let roll = rng.next() % 20
            let tag = OrderTag("t\(rng.next() % 8)")!
            if roll == 0 { return .cancelAll }
            if roll < 4 { return .cancel(tag: tag) }
            let side: OrderSide = rng.next() % 2 == 0 ? .buy : .sell
            let type: OrderType = [.market, .limit, .limit, .stop][Int(rng.next() % 4)]
            let amount: OrderRequest.Amount = rng.next() % 3 == 0 ? .quote(2_000 * rng.unit()) : .quantity(20 * rng.unit())
            let away = close * (1 + (rng.unit() - 0.5) * 0.2)
            let reduce = market == .futures && rng.next() % 3 == 0
            return .place(OrderRequest(side: side, type: type, amount: amount, price: away, stopPrice: away, tag: tag,
                                       reduceOnly: reduce))
        }

        mutating func signal(close: Double) -> Signal {
            let action: Signal.Action = [.buy, .sell, .close, .hold][Int(rng.next() % 4)]
            let up = action == .buy
            return Signal(action: action, entryPrice: close, stopLoss: close * (up ? 0.95 : 1.05),
                          takeProfit: close * (up ? 1.08 : 0.92), symbol: "X")
        }

        mutating func run() {
            var price = 100.0
            var journal = OrderJournal()
            let terms = try! SubscriptionTerms(capital: book.account.startEquity, riskPerTrade: 0.2 * rng.unit() + 0.01,
                                               leverage: book.account.leverage, allowShort: rng.next() % 2 == 0)
            for step in 1...25 {
                let time = Int64(step) * 60_000
                let open = rng.next() % 6 == 0 ? price * (1 + (rng.unit() - 0.5) * 0.1) : price
                let close = open * (1 + rng.gaussian() * 0.03)
                let high = max(open, close) * (1 + 0.02 * rng.unit()), low = min(open, close) * (1 - 0.02 * rng.unit())
                price = close
                journal.removeAll()
                var before = book.holdings
                ex.match(&book, candle: Bar(time: time, open: open, high: high, low: low, close: close), into: &journal)
                check(journal, mark: close, placedAt: time, matching: true, before: before)
                journal.removeAll()
                before = book.holdings
                if rng.next() % 4 == 0 {
                    ex.apply(signal(close: close), terms: terms, on: &book, close: close, time: time, into: &journal)
                } else {
                    var intents: [OrderIntent] = []
                    for _ in 0..<(rng.next() % 5) { intents.append(intent(close: close)) }
                    ex.place(intents, on: &book, close: close, time: time, into: &journal)
                }
                for o in book.orders + journal.closed where meta[o.id] == nil {
                    meta[o.id] = Meta(reduceOnly: o.reduceOnly, type: o.type, placedAt: o.placedAt)
                }
                check(journal, mark: close, placedAt: time, matching: false, before: before)
                // The same candle again: what was placed at its close cannot fill in it.
                let placed = book
                journal.removeAll()
                ex.match(&book, candle: Bar(time: time, open: open, high: high, low: low, close: close), into: &journal)
                if !journal.fills.filter({ !$0.liquidation }).isEmpty { failures.append("a fill in the placing candle") }
                if journal.fills.isEmpty && book != placed { failures.append("matching without fills changed the book") }
                check(journal, mark: close, placedAt: time, matching: true, before: placed.holdings)
            }
            journal.removeAll()
            ex.place([.cancelAll], on: &book, close: price, time: 99_000_000, into: &journal)
            check(journal, mark: price, placedAt: 99_000_000, matching: false, before: book.holdings)
            for (id, transitions) in life where transitions.filter(\.to.isTerminal).count != 1 {
                failures.append("order \(id) ended \(transitions.filter(\.to.isTerminal).count) times")
            }
        }
    }

    @Test(arguments: [MarketKind.spot, .futures])
    func randomPathsAndIntentsKeepEveryInvariant(market: MarketKind) {
        var fills = 0, liquidations = 0, rejections = 0
        for seed in 0..<2_000 as Range<UInt64> {
            var c = Case(seed: seed &* 7919 &+ (market == .spot ? 1 : 2), market: market)
            c.run()
            #expect(c.failures.isEmpty, "seed \(seed): \(c.failures.prefix(3))")
            if !c.failures.isEmpty { return }
            fills += c.life.values.filter { $0.contains { $0.to == .filled } }.count
            rejections += c.life.values.filter { $0.contains { $0.to == .rejected } }.count
            liquidations += c.liquidations
        }
        // The cases reach what they are meant to test.
        #expect(fills > 10_000)
        #expect(rejections > 1_000)
        if market == .futures { #expect(liquidations > 10) }
    }
}
