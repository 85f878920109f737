import Platform
import StrategyRuntime

/// A strategy's public performance as the listing and detail pages show it: its recorded signals
/// traded on the paper exchange by an account of 10,000 that puts its whole capital in each
/// position (risk per trade 1, leverage 1, shorts allowed, no fees), so strategies compare alike.
struct ReferencePerformance: Sendable {
    var stats: TradeStats
    var curve: EquityCurve
    var trades: [Trade]
    var open: Position?
    var signals: Int

    static let empty = ReferencePerformance(stats: TradeStats.compute(trades: [], unrealised: 0, capital: ReferenceAccount.capital),
                                            curve: EquityCurve(points: []), trades: [], open: nil, signals: 0)
}

enum ReferenceAccount {
    static let capital = 10_000.0
    // Valid by construction: capital > 0, 0 < risk ≤ 1, leverage 1.
    static let terms = try! SubscriptionTerms(capital: capital, riskPerTrade: 1, leverage: 1, allowShort: true)

    /// Replays `signals` (oldest first) over `bars` on the paper exchange (a futures account of
    /// `capital`, no fees): each candle is matched against the resting stops and take-profits,
    /// then the candle's signals act at its close, as the live fan-out does.
    static func replay(signals: [ReferenceSignal], bars: CandleWindow) -> ReferencePerformance {
        var byTime: [Int64: [ReferenceSignal]] = [:]
        for s in signals { byTime[s.candleTime, default: []].append(s) }
        // Valid by construction: a futures market with no fees, no slippage.
        let exchange = try! PaperExchange(rules: try! SymbolRules(futuresMakerFee: 0, futuresTakerFee: 0).market(.futures))
        var book = AccountBook(account: try! Account.futures(wallet: capital, leverage: 1))
        var ledger = TradeLedger()
        var trades: [Trade] = []
        var journal = OrderJournal()
        for i in 0..<bars.count {
            let bar = Bar(time: bars.times[i], open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i])
            journal.removeAll()
            _ = exchange.match(&book, candle: bar, into: &journal)
            for s in byTime[bar.time] ?? [] {
                let signal = Signal(action: s.action, entryPrice: s.entryPrice, stopLoss: s.stopLoss, takeProfit: s.takeProfit, symbol: bars.symbol)
                exchange.apply(signal, terms: terms, on: &book, close: bar.close, time: bar.time, into: &journal)
            }
            for f in journal.fills { ledger.record(f, into: &trades) }
        }
        let position = ledger.open
        let unrealised = position.map { $0.markToMarket(bars.close.last ?? $0.entryPrice) } ?? 0
        let curve = EquityCurve.build(capital: capital, trades: trades, open: position, bars: bars)
        var stats = TradeStats.compute(trades: trades, unrealised: unrealised, capital: capital)
        stats.maxDrawdownPct = max(stats.maxDrawdownPct, curve.maxDrawdownPct)
        return ReferencePerformance(stats: stats, curve: curve, trades: trades, open: position, signals: signals.count)
    }
}
