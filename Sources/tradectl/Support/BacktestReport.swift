import Foundation
import Platform
import StrategyRuntime

/// `tradectl backtest --report FILE.html`: one self-contained page (no network: inline CSS, data
/// and a script drawing on canvases) with the candles and trade markers, the equity and drawdown
/// curves, the stats table and the trades.
enum BacktestReport {
    /// Candles and curve points drawn at most: longer histories are bucketed (OHLC per bucket,
    /// the equity's last value and the drawdown's deepest).
    static let maxPoints = 1_500
    /// Trades listed in the page's table (all of them are marked on the chart).
    static let maxListedTrades = 500

    static func html(_ r: BacktestResult, candles: CandleWindow, title: String) -> String {
        let first = candles.count - r.candles
        let n = r.candles
        let bucket = max(1, (n + maxPoints - 1) / maxPoints)
        var bars: [[Any]] = [], equity: [Any] = [], drawdown: [Any] = []
        var peak = -Double.infinity
        var start = 0
        while start < n {
            let end = min(n, start + bucket)
            let range = (first + start)..<(first + end)
            bars.append([candles.times[range.lowerBound], candles.open[range.lowerBound], candles.high[range].max() ?? 0,
                         candles.low[range].min() ?? 0, candles.close[range.upperBound - 1]])
            var deepest = 0.0
            for i in start..<end where i < r.equity.count {
                peak = max(peak, r.equity[i])
                deepest = min(deepest, peak > 0 ? (r.equity[i] / peak - 1) * 100 : 0)
            }
            equity.append(end - 1 < r.equity.count ? number(r.equity[end - 1]) : NSNull())
            drawdown.append(number(deepest))
            start = end
        }
        var barOf: [Int64: Int] = [:]
        barOf.reserveCapacity(n)
        for i in 0..<n { barOf[candles.times[first + i]] = i / bucket }
        var markers: [[Any]] = r.trades.map { t in
            [barOf[t.entryTime] ?? 0, t.entryPrice, barOf[t.exitTime] ?? bars.count - 1, t.exitPrice, t.side == .long ? 1 : -1, number(t.pnl)]
        }
        if let p = r.open { markers.append([barOf[p.entryTime] ?? 0, p.entryPrice, NSNull(), NSNull(), p.side == .long ? 1 : -1, NSNull()]) }
        let data = Output.json(["bars": bars, "equity": equity, "drawdown": drawdown, "trades": markers, "bucket": bucket,
                                "capital": r.equity.first ?? 0])
        let stats = BacktestOutput.rows(r).map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n")
        let trades = BacktestOutput.trades(r).prefix(maxListedTrades).enumerated().map { i, t in
            let cells = [String(i + 1), "\(t["side"] ?? "")", "\(t["entry_time"] ?? "")", "\(t["exit_time"] is NSNull ? "open" : t["exit_time"] ?? "")",
                         format(t["entry_price"]), format(t["exit_price"]), format(t["pnl"]), format(t["return_pct"]),
                         "\(t["exit_reason"] is NSNull ? "" : t["exit_reason"] ?? "")"]
            return "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        let span = n > 0 ? "\(CandleCSV.isoString(candles.times[first])) → \(CandleCSV.isoString(candles.times[candles.count - 1]))" : ""
        let summary = [("trades", "\(r.stats.trades)", "trade-count"),
                       ("return", String(format: "%.2f%%", r.metrics?.returnPct ?? r.stats.returnPct), "return"),
                       ("max drawdown", String(format: "%.2f%%", r.metrics.map(\.maxDrawdownPct) ?? -r.stats.maxDrawdownPct), "max-drawdown"),
                       ("sharpe", r.metrics.map { $0.sharpeRatio.isFinite ? String(format: "%.2f", $0.sharpeRatio) : "—" } ?? "—", "sharpe")]
            .map { "<div class=\"card\"><span>\($0.0)</span><b id=\"\($0.2)\">\(escape($0.1))</b></div>" }.joined()
        return page.replacingOccurrences(of: "{{TITLE}}", with: escape(title))
            .replacingOccurrences(of: "{{SUBTITLE}}", with: escape("\(candles.symbol) \(candles.timeframe) · \(n) candles · \(span)"
                + (bucket > 1 ? " · drawn in buckets of \(bucket) candles" : "")))
            .replacingOccurrences(of: "{{SUMMARY}}", with: summary)
            .replacingOccurrences(of: "{{STATS}}", with: stats)
            .replacingOccurrences(of: "{{TRADES}}", with: trades)
            .replacingOccurrences(of: "{{TRADES_NOTE}}", with: r.trades.count > maxListedTrades ? "the first \(maxListedTrades) of \(r.trades.count)" : "")
            .replacingOccurrences(of: "{{DATA}}", with: data.replacingOccurrences(of: "</", with: "<\\/"))
    }

    private static func number(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

    private static func format(_ v: Any?) -> String {
        guard let d = v as? Double else { return "" }
        return abs(d) >= 1000 ? String(format: "%.2f", d) : String(format: "%.4g", d)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
