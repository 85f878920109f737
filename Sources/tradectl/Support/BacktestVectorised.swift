import ArgumentParser
import Foundation
import Platform

extension LookAheadCheck: ExpressibleByArgument {}

/// What `tradectl backtest` adds to its output for vectorised strategies (README "Fast backtests").
enum VectorisedOutput {
    /// Keys for `--json`'s stats: the engine and what the look-ahead check did.
    static func stats(_ r: BacktestResult) -> [String: Any] {
        var out: [String: Any] = ["engine": r.engine.rawValue]
        if let l = r.lookAhead {
            out["lookahead_check"] = ["mode": l.mode.rawValue, "candles_checked": l.candlesChecked,
                                      "signal_candles_checked": l.signalCandlesChecked, "seconds": l.seconds]
        }
        return out
    }

    /// Rows for the table.
    static func rows(_ r: BacktestResult) -> [(String, String)] {
        var rows = [("engine", r.engine.rawValue)]
        if let l = r.lookAhead {
            rows.append(("look-ahead check", l.mode == .off ? "off"
                         : "\(l.mode.rawValue): \(l.candlesChecked) candles re-evaluated on truncated history "
                         + "(\(l.signalCandlesChecked) with a signal), none differs (\(String(format: "%.2f", l.seconds)) s)"))
        }
        return rows
    }
}
