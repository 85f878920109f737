/// Per-subscription results.
public struct TradeStats: Sendable, Equatable, Codable {
    public var trades: Int
    public var winRate: Double
    public var realisedPnl: Double
    public var unrealisedPnl: Double
    public var returnPct: Double
    /// Largest fall of equity from a previous peak, in percent of that peak.
    public var maxDrawdownPct: Double
    /// Gross profit over gross loss; nil when there was no losing trade.
    public var profitFactor: Double?

    /// - Parameters:
    ///   - trades: closed trades, oldest first.
    ///   - unrealised: the open position's mark-to-market P&L (0 without one).
    ///   - capital: the subscription's capital; equity starts there.
    ///   - equityCurve: equity marks to take the drawdown over; by default the equity after each
    ///     closed trade and the current mark.
    public static func compute(trades: [Trade], unrealised: Double, capital: Double, equityCurve: [Double]? = nil) -> TradeStats {
        let realised = trades.reduce(0) { $0 + $1.pnl }
        let wins = trades.filter { $0.pnl > 0 }.count
        let grossProfit = trades.filter { $0.pnl > 0 }.reduce(0) { $0 + $1.pnl }
        let grossLoss = -trades.filter { $0.pnl < 0 }.reduce(0) { $0 + $1.pnl }
        var curve = equityCurve ?? {
            var equity = capital
            var marks = [capital]
            for t in trades {
                equity += t.pnl
                marks.append(equity)
            }
            marks.append(equity + unrealised)
            return marks
        }()
        if curve.isEmpty { curve = [capital] }
        var peak = curve[0], worst = 0.0
        for e in curve {
            peak = max(peak, e)
            if peak > 0 { worst = max(worst, (peak - e) / peak) }
        }
        // A ratio over a tiny loss can overflow, and so can sums over rows stored before the
        // bounds: an infinite profit factor is reported as none, an infinite figure as the
        // largest finite one of its sign, NaN as 0 (JSON has no NaN or infinity).
        let factor = grossProfit / grossLoss
        func finite(_ v: Double) -> Double { v.isNaN ? 0 : min(max(v, -.greatestFiniteMagnitude), .greatestFiniteMagnitude) }
        return TradeStats(trades: trades.count, winRate: trades.isEmpty ? 0 : Double(wins) / Double(trades.count),
                          realisedPnl: finite(realised), unrealisedPnl: finite(unrealised),
                          returnPct: finite((realised + unrealised) / capital * 100), maxDrawdownPct: finite(worst * 100),
                          profitFactor: grossLoss > 0 && factor.isFinite ? factor : nil)
    }
}
