import Platform
import StrategyRuntime
import Testing

@Suite struct PaperBrokerTests {
    let broker = PaperBroker(feeBps: 10, slippageBps: 0)
    func long(sl: Double?, tp: Double?) -> Position {
        Position(side: .long, qty: 2, entryPrice: 100, entryTime: 0, entryFee: 0.2, stopLoss: sl, takeProfit: tp)
    }

    @Test func stopFillsAtTheStopOrAtTheOpenAfterAGap() {
        let hit = broker.exits(long(sl: 95, tp: nil), on: Bar(time: 60, open: 99, high: 99, low: 94, close: 96))
        #expect(hit?.exitPrice == 95)
        #expect(hit?.reason == "stop-loss")
        let gap = broker.exits(long(sl: 95, tp: nil), on: Bar(time: 60, open: 90, high: 91, low: 89, close: 90))
        #expect(gap?.exitPrice == 90)
    }

    @Test func whenBothAreHitTheStopFillsFirst() {
        let t = broker.exits(long(sl: 95, tp: 105), on: Bar(time: 60, open: 100, high: 106, low: 94, close: 100))
        #expect(t?.reason == "stop-loss")
        #expect(t?.exitPrice == 95)
    }

    @Test func takeProfitAndNothingOnTheEntryCandle() {
        #expect(broker.exits(long(sl: 95, tp: 105), on: Bar(time: 0, open: 100, high: 110, low: 90, close: 100)) == nil)
        let t = broker.exits(long(sl: 95, tp: 105), on: Bar(time: 60, open: 101, high: 106, low: 100, close: 104))
        #expect(t?.exitPrice == 105)
        // pnl = (105 − 100) × 2 − entry fee 0.2 − exit fee 0.21
        #expect(abs((t?.pnl ?? 0) - (10 - 0.2 - 0.21)) < 1e-9)
    }

    @Test func sellReversesALongAndRespectsAllowShort() {
        let bar = Bar(time: 120, open: 100, high: 111, low: 99, close: 110)
        let sell = Signal(action: .sell, entryPrice: 110, symbol: "X")
        let reversed = broker.execute(sell, position: long(sl: nil, tp: nil), bar: bar, allowShort: true) { _ in .quantity(1) }
        #expect(reversed.closed?.exitPrice == 110)
        #expect(reversed.position?.side == .short)
        #expect(reversed.orders.map(\.purpose) == ["close", "open"])
        let onlyClose = broker.execute(sell, position: long(sl: nil, tp: nil), bar: bar, allowShort: false) { _ in .quantity(1) }
        #expect(onlyClose.closed != nil)
        #expect(onlyClose.position == nil)
        let hold = broker.execute(Signal(action: .hold, entryPrice: 110, symbol: "X"), position: nil, bar: bar, allowShort: true) { _ in .quantity(1) }
        #expect(hold.orders.isEmpty)
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
