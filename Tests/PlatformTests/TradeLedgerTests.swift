import Platform
import StrategyRuntime
import Testing

/// Fills folded into the `Trade`s that `TradeStats` reads.
@Suite struct TradeLedgerTests {
    @Test func signalsStopsAndReversalsBecomeTradesNetOfBothFees() {
        let ex = Orders.exchange(Orders.futuresRules(maker: 0.001, taker: 0.001))
        var book = Orders.futures(wallet: 10_000, leverage: 1)
        var j = OrderJournal()
        ex.apply(Orders.signal(.sell, close: 100, stopLoss: 104), terms: Orders.terms(), on: &book, close: 100, time: 0, into: &j)
        ex.apply(Orders.signal(.buy, close: 98, stopLoss: 96), terms: Orders.terms(), on: &book, close: 98, time: 60, into: &j)
        ex.match(&book, candle: Orders.bar(120, 98, 98.5, 95, 95.5), into: &j)
        var ledger = TradeLedger()
        var trades: [Trade] = []
        for f in j.fills { ledger.record(f, into: &trades) }
        #expect(trades.map(\.reason) == ["signal", "stop-loss"])
        #expect(trades.map(\.side) == [.short, .long])
        #expect(trades.map(\.qty) == [25, 50])
        // Short 25 from 100 to 98: 50, less 2.5 entry and 2.45 exit fee, as PaperBroker counted it.
        #expect(near(trades.first?.pnl, 50 - 2.5 - 2.45))
        #expect(near(trades.last?.pnl, -100 - 4.9 - 4.8))
        #expect(near(trades.map(\.pnl).reduce(0, +), book.account.realisedPnl - book.account.fees))
        #expect(ledger.open == nil)
    }

    @Test func partialExitsAndLiquidationsAreTradesOfTheirOwn() {
        let ex = Orders.exchange(Orders.futuresRules())
        var book = Orders.futures(wallet: 1_000, leverage: 10)
        var j = OrderJournal()
        ex.place([Orders.market(.buy, 10, "in"), Orders.limit(.sell, 4, 105, "part", reduceOnly: true)],
                 on: &book, close: 100, time: 0, into: &j)
        ex.match(&book, candle: Orders.bar(60, 100, 106, 99, 105), into: &j)
        ex.match(&book, candle: Orders.bar(120, 105, 105, 80, 85), into: &j)
        var ledger = TradeLedger()
        var trades: [Trade] = []
        for f in j.fills { ledger.record(f, into: &trades) }
        #expect(trades.map(\.reason) == ["order", "liquidation"])
        #expect(trades.map(\.qty) == [4, 6])
        #expect(near(trades.first?.pnl, 20))
        #expect(near(trades.last?.pnl, -60, 1e-9))  // the 6 left lose their margin, 60
        #expect(ledger.open == nil)
    }
}
