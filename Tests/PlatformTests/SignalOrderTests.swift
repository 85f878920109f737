import Platform
import StrategyRuntime
import Testing

/// Signals on the paper exchange (ORDERS.md: one broker): a BUY is a market order at the close
/// plus a resting stop and take-profit, matched on later candles by the path rule.
@Suite struct SignalOrderTests {
    let exchange = Orders.exchange(Orders.futuresRules(maker: 0.001, taker: 0.001))

    /// A long of 2 at 100 with its stop at 95 and take-profit at 105 (risk 10 / distance 5).
    func long(stop: Double? = 95, take: Double? = 105) -> (AccountBook, OrderJournal) {
        var book = Orders.futures(wallet: 10_000, leverage: 1)
        var journal = OrderJournal()
        exchange.apply(Orders.signal(.buy, close: 100, stopLoss: stop, takeProfit: take), terms: Orders.terms(risk: 0.001), on: &book,
                       close: 100, time: 0, into: &journal)
        return (book, journal)
    }

    @Test func theEntryFillsAtTheCloseAndNothingElseOnItsCandle() {
        var (book, journal) = long()
        #expect(journal.fills.map(\.price) == [100])
        #expect(near(book.account.position.quantity, 2))
        journal.removeAll()
        _ = exchange.match(&book, candle: Orders.bar(0, 100, 110, 90, 100), into: &journal)
        #expect(journal.fills.isEmpty, "orders placed at a close rest from the next candle on")
    }

    @Test func theStopFillsAtTheStopOrAtTheOpenAfterAGap() {
        var (book, journal) = long()
        journal.removeAll()
        _ = exchange.match(&book, candle: Orders.bar(60, 99, 99, 94, 96), into: &journal)
        #expect(journal.fills.map(\.price) == [95])
        #expect(journal.fills.first?.purpose == .stopLoss)
        #expect(journal.transitions.contains { $0.to == .cancelled && $0.reason == .oco }, "the take-profit went with the stop")
        var (gapped, j2) = long()
        j2.removeAll()
        _ = exchange.match(&gapped, candle: Orders.bar(60, 90, 91, 89, 90), into: &j2)
        #expect(j2.fills.map(\.price) == [90], "a gap through the stop fills at the open")
    }

    /// The path decides (this replaces the signal broker's "stop first"): an up candle goes open →
    /// low → high, so the stop fills; a down candle goes open → high → low, so the take-profit does.
    @Test func whenBothAreReachedThePathDecides() {
        var (up, j1) = long()
        j1.removeAll()
        _ = exchange.match(&up, candle: Orders.bar(60, 100, 106, 94, 101), into: &j1)
        #expect(j1.fills.map(\.purpose) == [.stopLoss])
        var (down, j2) = long()
        j2.removeAll()
        _ = exchange.match(&down, candle: Orders.bar(60, 100, 106, 94, 99), into: &j2)
        #expect(j2.fills.map(\.purpose) == [.takeProfit])
        #expect(j2.fills.first?.price == 105)
        // pnl = (105 − 100) × 2 − entry fee 0.2 − exit fee 0.21 (limit: maker)
        var trades: [Trade] = []
        var ledger = TradeLedger()
        for f in (long().1.fills + j2.fills) { ledger.record(f, into: &trades) }
        #expect(near(trades.first?.pnl, 10 - 0.2 - 0.21))
    }

    @Test func sellReversesALongOnlyWhereShortsAreAllowed() {
        var (book, journal) = long(stop: nil, take: nil)
        journal.removeAll()
        exchange.apply(Orders.signal(.sell, close: 110), terms: Orders.terms(risk: 0.001), on: &book, close: 110, time: 120, into: &journal)
        #expect(journal.fills.map(\.purpose) == [.close, .open])
        #expect(book.account.position.quantity < 0)
        var (closing, j2) = long(stop: nil, take: nil)
        j2.removeAll()
        exchange.apply(Orders.signal(.sell, close: 110), terms: Orders.terms(risk: 0.001, allowShort: false), on: &closing, close: 110,
                       time: 120, into: &j2)
        #expect(j2.fills.map(\.purpose) == [.close])
        #expect(closing.account.position.quantity == 0)
        j2.removeAll()
        exchange.apply(Orders.signal(.hold, close: 110), terms: Orders.terms(), on: &closing, close: 110, time: 180, into: &j2)
        #expect(j2.transitions.isEmpty)
    }

    @Test func statsFromTrades() {
        let trades = [
            Trade(side: .long, entryTime: 0, exitTime: 1, entryPrice: 100, exitPrice: 110, qty: 1, pnl: 10, returnPct: 10, reason: "signal"),
            Trade(side: .short, entryTime: 1, exitTime: 2, entryPrice: 110, exitPrice: 115, qty: 1, pnl: -5, returnPct: -4.5, reason: "signal"),
        ]
        let s = TradeStats.compute(trades: trades, unrealised: 2, capital: 1000)
        #expect(s.trades == 2)
        #expect(s.winRate == 0.5)
        #expect(s.realisedPnl == 5)
        #expect(abs(s.returnPct - 0.7) < 1e-9)
        #expect(s.profitFactor == 2)
        #expect(abs(s.maxDrawdownPct - 5.0 / 1010 * 100) < 1e-9)
    }
}
