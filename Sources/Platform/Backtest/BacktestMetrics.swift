import StrategyRuntime
import Foundation

/// The statistics traders expect from a backtest, with backtesting.py's definitions
/// (`backtesting/_stats.py`, `compute_stats`, version 0.6), zero risk-free rate. Percentages are
/// in percent; a figure with no meaning (no trades, no drawdown) is NaN.
public struct BacktestMetrics: Sendable, Equatable {
    /// Bars with a position open (entry bar to exit bar, both included) over all bars.
    public var exposureTimePct: Double
    /// Final equity over the first, less one.
    public var returnPct: Double
    /// Close of the last bar over the close of the first trading bar, less one (long only).
    public var buyAndHoldReturnPct: Double
    /// Compounded from the geometric mean of daily returns: 252 trading days a year, 365 when a
    /// fair share of bars fall on weekends.
    public var annualReturnPct: Double
    public var annualVolatilityPct: Double
    public var sharpeRatio: Double
    public var sortinoRatio: Double
    /// Annual return over the maximum drawdown.
    public var calmarRatio: Double
    /// The largest fall from a peak, as a negative percentage.
    public var maxDrawdownPct: Double
    /// The mean of each drawdown's deepest point, as a negative percentage.
    public var avgDrawdownPct: Double
    /// The longest time from a peak to the bar that regains it (or to the last bar), in milliseconds.
    public var maxDrawdownDurationMs: Int64
    public var winRatePct: Double
    public var bestTradePct: Double
    public var worstTradePct: Double
    /// The geometric mean of the trades' returns.
    public var avgTradePct: Double
    /// The mean of the trades' returns.
    public var expectancyPct: Double
    /// Summed positive over summed negative trade returns.
    public var profitFactor: Double
    public var avgTradeDurationMs: Int64

    /// One closed trade, by bar.
    public struct TradeBars: Sendable {
        public var entryBar: Int
        public var exitBar: Int
        /// The return as a fraction of the entry (net of fees).
        public var returnFraction: Double
        public var pnl: Double
        public init(entryBar: Int, exitBar: Int, returnFraction: Double, pnl: Double) {
            self.entryBar = entryBar
            self.exitBar = exitBar
            self.returnFraction = returnFraction
            self.pnl = pnl
        }
    }

    /// - Parameters:
    ///   - times: every bar's open time (ms), ascending.
    ///   - closes: every bar's close.
    ///   - equity: the account's equity at every bar's close.
    ///   - trades: the closed trades.
    ///   - firstTradingBar: the first bar the strategy could trade (after its warm-up).
    public static func compute(times: [Int64], closes: [Double], equity: [Double], trades: [TradeBars],
                               firstTradingBar: Int) -> BacktestMetrics {
        let n = equity.count
        precondition(n > 0 && times.count == n && closes.count == n, "one time, close and equity per bar")
        var dd = [Double](repeating: 0, count: n)
        var peak = -Double.infinity
        for i in 0..<n {
            peak = max(peak, equity[i])
            dd[i] = 1 - equity[i] / peak
        }
        let (maxDuration, peaks) = drawdownPeriods(dd, times)
        var held = [Bool](repeating: false, count: n)
        for t in trades where t.entryBar <= t.exitBar { for i in max(0, t.entryBar)...min(n - 1, t.exitBar) { held[i] = true } }
        let days = dailyReturns(times, equity)
        let year = Double(yearDays(times))
        let g = geometricMean(days)
        let annual = pow(1 + g, year) - 1
        let variance = days.count > 1 ? days.map { ($0 - mean(days)) * ($0 - mean(days)) }.reduce(0, +) / Double(days.count - 1) : .nan
        let volatility = (pow(variance + (1 + g) * (1 + g), year) - pow(1 + g, 2 * year)).squareRoot() * 100
        let downside = (days.map { min($0, 0) * min($0, 0) }.reduce(0, +) / Double(days.count)).squareRoot() * year.squareRoot()
        let maxDD = dd.max() ?? 0
        let returns = trades.map(\.returnFraction)
        let gains = returns.filter { $0 > 0 }.reduce(0, +), losses = abs(returns.filter { $0 < 0 }.reduce(0, +))
        let first = min(max(firstTradingBar, 0), n - 1)
        let durations = trades.map { times[min($0.exitBar, n - 1)] - times[min($0.entryBar, n - 1)] }
        return BacktestMetrics(
            exposureTimePct: Double(held.filter { $0 }.count) / Double(n) * 100,
            returnPct: (equity[n - 1] - equity[0]) / equity[0] * 100,
            buyAndHoldReturnPct: (closes[n - 1] - closes[first]) / closes[first] * 100,
            annualReturnPct: annual * 100,
            annualVolatilityPct: volatility,
            sharpeRatio: volatility == 0 ? .nan : annual * 100 / volatility,
            sortinoRatio: annual / downside,
            calmarRatio: maxDD == 0 ? .nan : annual / maxDD,
            maxDrawdownPct: -maxDD * 100,
            avgDrawdownPct: peaks.isEmpty ? .nan : -mean(peaks) * 100,
            maxDrawdownDurationMs: maxDuration,
            winRatePct: trades.isEmpty ? .nan : Double(trades.filter { $0.pnl > 0 }.count) / Double(trades.count) * 100,
            bestTradePct: (returns.max() ?? .nan) * 100,
            worstTradePct: (returns.min() ?? .nan) * 100,
            avgTradePct: geometricMean(returns) * 100,
            expectancyPct: returns.isEmpty ? .nan : mean(returns) * 100,
            profitFactor: losses == 0 ? .nan : gains / losses,
            avgTradeDurationMs: durations.isEmpty ? 0 : durations.reduce(0, +) / Int64(durations.count))
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }

    /// exp(mean(log(1 + r))) − 1; 0 when a return is −100% or worse (backtesting.py's).
    static func geometricMean(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        if xs.contains(where: { 1 + $0 <= 0 }) { return 0 }
        return exp(xs.map { log(1 + $0) }.reduce(0, +) / Double(xs.count)) - 1
    }

    /// The equity's last value of each UTC calendar day, as returns from day to day.
    static func dailyReturns(_ times: [Int64], _ equity: [Double]) -> [Double] {
        var closes: [Double] = []
        var day = Int64.min
        for (t, e) in zip(times, equity) {
            let d = t >= 0 ? t / 86_400_000 : (t - 86_399_999) / 86_400_000
            if d != day { closes.append(e); day = d } else { closes[closes.count - 1] = e }
        }
        return zip(closes.dropFirst(), closes).map { $0 / $1 - 1 }
    }

    /// 365 when more than 60% of a week's share of weekend bars fall on Saturdays and Sundays, else 252.
    static func yearDays(_ times: [Int64]) -> Int {
        let weekend = times.filter { t in
            let weekday = ((t / 86_400_000) % 7 + 7 + 3) % 7  // 1970-01-01 was a Thursday: Monday = 0
            return weekday >= 5
        }.count
        return Double(weekend) / Double(max(times.count, 1)) > 2.0 / 7 * 0.6 ? 365 : 252
    }

    /// The longest drawdown (from the bar at a peak to the next bar back at it, or the last bar)
    /// and every drawdown's deepest point.
    static func drawdownPeriods(_ dd: [Double], _ times: [Int64]) -> (Int64, [Double]) {
        var ends = dd.indices.filter { dd[$0] == 0 }
        if ends.last != dd.count - 1 { ends.append(dd.count - 1) }
        var longest: Int64 = 0
        var peaks: [Double] = []
        for (prev, end) in zip(ends, ends.dropFirst()) where end > prev + 1 {
            longest = max(longest, times[end] - times[prev])
            peaks.append(dd[prev...end].max() ?? 0)
        }
        return (longest, peaks)
    }
}

extension BacktestResult {
    /// Computes `metrics` over the walked candles (from `first`), from `equity` (one per walked candle).
    mutating func computeMetrics(candles: CandleWindow, first: Int) {
        let walked = first..<candles.count
        guard !walked.isEmpty, equity.count == walked.count else { return }
        var bar: [Int64: Int] = [:]
        bar.reserveCapacity(walked.count)
        for i in walked { bar[candles.times[i]] = i - first }
        let trades = self.trades.map { t in
            BacktestMetrics.TradeBars(entryBar: bar[t.entryTime] ?? 0, exitBar: bar[t.exitTime] ?? walked.count - 1,
                                      returnFraction: t.returnPct / 100, pnl: t.pnl)
        }
        metrics = BacktestMetrics.compute(times: Array(candles.times[walked]), closes: Array(candles.close[walked]), equity: equity,
                                          trades: trades, firstTradingBar: 0)
    }
}
