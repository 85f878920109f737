import Platform
import StrategyRuntime

/// A strategy's public performance until the order level brings its real reference account:
/// its recorded signals traded on the paper broker by an account of 10,000 that puts its whole
/// capital in each position (risk per trade 1, leverage 1, shorts allowed, no fees).
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

    /// Replays `signals` (oldest first) over `bars`: stops and take-profits are checked on each
    /// later candle, then the candle's signals act at its close, as the live fan-out does.
    static func replay(signals: [ReferenceSignal], bars: CandleWindow, broker: PaperBroker = PaperBroker()) -> ReferencePerformance {
        var byTime: [Int64: [ReferenceSignal]] = [:]
        for s in signals { byTime[s.candleTime, default: []].append(s) }
        var position: Position?
        var trades: [Trade] = []
        for i in 0..<bars.count {
            let bar = Bar(time: bars.times[i], open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i])
            if let p = position, let exit = broker.exits(p, on: bar) {
                trades.append(exit)
                position = nil
            }
            for s in byTime[bar.time] ?? [] {
                let signal = Signal(action: s.action, entryPrice: s.entryPrice, stopLoss: s.stopLoss, takeProfit: s.takeProfit, symbol: bars.symbol)
                let step = broker.execute(signal, position: position, bar: bar, allowShort: true) { price in
                    Sizing.quantity(entry: price, stopLoss: nil, terms: terms, rules: SymbolRules())
                }
                if let closed = step.closed { trades.append(closed) }
                position = step.position
            }
        }
        let unrealised = position.map { $0.markToMarket(bars.close.last ?? $0.entryPrice) } ?? 0
        let curve = EquityCurve.build(capital: capital, trades: trades, open: position, bars: bars)
        var stats = TradeStats.compute(trades: trades, unrealised: unrealised, capital: capital)
        stats.maxDrawdownPct = max(stats.maxDrawdownPct, curve.maxDrawdownPct)
        return ReferencePerformance(stats: stats, curve: curve, trades: trades, open: position, signals: signals.count)
    }
}
