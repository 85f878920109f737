import ArgumentParser
import Foundation
import Platform

extension LookAheadCheck: ExpressibleByArgument {}

/// What `tradectl backtest` adds to its output for vectorised strategies (README "Fast backtests").
enum VectorisedOutput {
    /// Keys for `--json`'s stats: the engine and what the look-ahead check did.
    static func stats(_ r: BacktestResult) -> [String: Any] {
        var out: [String: Any] = ["engine": r.engine.rawValue, "jobs": r.jobs]
        if let why = r.sequentialReason { out["sequential_reason"] = why }
        if let l = r.lookAhead {
            out["lookahead_check"] = ["mode": l.mode.rawValue, "candles_checked": l.candlesChecked,
                                      "signal_candles_checked": l.signalCandlesChecked, "seconds": l.seconds]
        }
        if let m = r.metrics { out["metrics"] = metrics(m) }
        return out
    }

    /// The metrics for JSON (NaN, which JSON lacks, as null).
    static func metrics(_ m: BacktestMetrics) -> [String: Any] {
        func n(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
        return ["exposure_time_pct": n(m.exposureTimePct), "return_pct": n(m.returnPct), "buy_and_hold_return_pct": n(m.buyAndHoldReturnPct),
                "annual_return_pct": n(m.annualReturnPct), "annual_volatility_pct": n(m.annualVolatilityPct),
                "sharpe_ratio": n(m.sharpeRatio), "sortino_ratio": n(m.sortinoRatio), "calmar_ratio": n(m.calmarRatio),
                "max_drawdown_pct": n(m.maxDrawdownPct), "avg_drawdown_pct": n(m.avgDrawdownPct),
                "max_drawdown_duration_s": Double(m.maxDrawdownDurationMs) / 1000, "win_rate_pct": n(m.winRatePct),
                "best_trade_pct": n(m.bestTradePct), "worst_trade_pct": n(m.worstTradePct), "avg_trade_pct": n(m.avgTradePct),
                "expectancy_pct": n(m.expectancyPct), "profit_factor": n(m.profitFactor),
                "avg_trade_duration_s": Double(m.avgTradeDurationMs) / 1000]
    }

    /// Rows for the table.
    static func rows(_ r: BacktestResult) -> [(String, String)] {
        var rows = [("engine", r.engine.rawValue)]
        if r.jobs > 1 { rows.append(("jobs", "\(r.jobs) sandbox workers evaluated the windows")) }
        if let why = r.sequentialReason { rows.append(("jobs", "1: \(why)")) }
        if let l = r.lookAhead {
            rows.append(("look-ahead check", l.mode == .off ? "off"
                         : "\(l.mode.rawValue): \(l.candlesChecked) candles re-evaluated on truncated history "
                         + "(\(l.signalCandlesChecked) with a signal), none differs (\(String(format: "%.2f", l.seconds)) s)"))
        }
        if let m = r.metrics {
            func f(_ v: Double, _ unit: String = "") -> String { v.isFinite ? String(format: "%.2f", v) + unit : "—" }
            rows += [("exposure time", f(m.exposureTimePct, "%")), ("buy & hold return", f(m.buyAndHoldReturnPct, "%")),
                     ("annual return", f(m.annualReturnPct, "%")), ("sharpe / sortino", f(m.sharpeRatio) + " / " + f(m.sortinoRatio)),
                     ("calmar", f(m.calmarRatio)), ("max drawdown dur.", duration(m.maxDrawdownDurationMs)),
                     ("best / worst trade", f(m.bestTradePct, "%") + " / " + f(m.worstTradePct, "%")), ("avg trade", f(m.avgTradePct, "%"))]
        }
        return rows
    }

    static func duration(_ ms: Int64) -> String {
        let s = ms / 1000
        return s >= 86_400 ? "\(s / 86_400)d \(s % 86_400 / 3600)h" : "\(s / 3600)h \(s % 3600 / 60)m"
    }
}
