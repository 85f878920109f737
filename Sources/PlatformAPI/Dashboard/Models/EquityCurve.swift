import Platform
import StrategyRuntime

/// An account's equity at each candle close, with its drawdown from the running peak.
struct EquityCurve: Sendable {
    struct Point: Sendable {
        var time: Int64
        var equity: Double
        /// Fall from the highest equity so far, in percent of that peak (≥ 0).
        var drawdownPct: Double
    }

    var points: [Point]

    /// Marks the account at every candle close of `bars`: the capital, plus the P&L of trades
    /// closed by then, plus the open trade (or `open` position) marked at the close.
    ///
    /// - Parameters:
    ///   - trades: closed trades of one symbol (positions never overlap), in any order.
    ///   - open: the position still open at the end, if any.
    static func build(capital: Double, trades: [Trade], open: Position?, bars: CandleWindow) -> EquityCurve {
        let byExit = trades.sorted { $0.exitTime < $1.exitTime }
        let byEntry = trades.sorted { $0.entryTime < $1.entryTime }
        var realised = 0.0, exitIndex = 0, entryIndex = 0, peak = capital
        var points: [Point] = []
        points.reserveCapacity(bars.count)
        for i in 0..<bars.count {
            let t = bars.times[i], close = bars.close[i]
            while exitIndex < byExit.count, byExit[exitIndex].exitTime <= t {
                realised += byExit[exitIndex].pnl
                exitIndex += 1
            }
            while entryIndex < byEntry.count, byEntry[entryIndex].exitTime <= t { entryIndex += 1 }
            var unrealised = 0.0
            if entryIndex < byEntry.count, byEntry[entryIndex].entryTime <= t {
                let trade = byEntry[entryIndex]
                unrealised = (close - trade.entryPrice) * trade.qty * (trade.side == .long ? 1 : -1) - trade.entryFee
            } else if let open, open.entryTime <= t {
                unrealised = open.markToMarket(close)
            }
            let equity = capital + realised + unrealised
            peak = max(peak, equity)
            points.append(Point(time: t, equity: equity, drawdownPct: peak > 0 ? max(0, (peak - equity) / peak * 100) : 0))
        }
        return EquityCurve(points: points)
    }

    var maxDrawdownPct: Double { points.map(\.drawdownPct).max() ?? 0 }
}
