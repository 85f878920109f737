import Foundation
import Platform
import Testing

/// The backtest metrics against backtesting.py's own figures on its GOOG example
/// (Fixtures/metrics_goog.json, written by python/tools/metrics_reference.py with backtesting.py 0.6.6).
@Suite struct BacktestMetricsTests {
    struct Reference: Decodable {
        struct TradeRow: Decodable {
            var entry_bar: Int, exit_bar: Int
            var `return`: Double
            var pnl: Double
        }
        var times: [Int64]
        var closes: [Double]
        var equity: [Double]
        var first_trading_bar: Int
        var trades: [TradeRow]
        var stats: [String: Double]
        var max_drawdown_duration_ms: Int64
        var avg_trade_duration_ms: Int64
    }

    @Test func theMetricsMatchBacktestingPyOnItsGOOGExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/metrics_goog.json")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let m = BacktestMetrics.compute(
            times: ref.times, closes: ref.closes, equity: ref.equity,
            trades: ref.trades.map { .init(entryBar: $0.entry_bar, exitBar: $0.exit_bar, returnFraction: $0.return, pnl: $0.pnl) },
            firstTradingBar: ref.first_trading_bar)
        let pairs: [(String, Double)] = [
            ("Exposure Time [%]", m.exposureTimePct), ("Return [%]", m.returnPct), ("Buy & Hold Return [%]", m.buyAndHoldReturnPct),
            ("Return (Ann.) [%]", m.annualReturnPct), ("Volatility (Ann.) [%]", m.annualVolatilityPct), ("Sharpe Ratio", m.sharpeRatio),
            ("Sortino Ratio", m.sortinoRatio), ("Calmar Ratio", m.calmarRatio), ("Max. Drawdown [%]", m.maxDrawdownPct),
            ("Avg. Drawdown [%]", m.avgDrawdownPct), ("Win Rate [%]", m.winRatePct), ("Best Trade [%]", m.bestTradePct),
            ("Worst Trade [%]", m.worstTradePct), ("Avg. Trade [%]", m.avgTradePct), ("Profit Factor", m.profitFactor),
            ("Expectancy [%]", m.expectancyPct),
        ]
        #expect(pairs.count == ref.stats.count)
        for (name, ours) in pairs {
            let theirs = try #require(ref.stats[name], "\(name) missing from the reference")
            #expect(abs(ours - theirs) <= 1e-6 * max(1, abs(theirs)), "\(name): tradectl \(ours), backtesting.py \(theirs)")
        }
        #expect(m.maxDrawdownDurationMs == ref.max_drawdown_duration_ms)
        #expect(abs(Double(m.avgTradeDurationMs - ref.avg_trade_duration_ms)) <= 86_400_000)  // backtesting.py rounds it up to a day
    }

    @Test func aFlatEquityHasNoDrawdownAndNoRatios() {
        let times = (0..<10).map { Int64($0) * 86_400_000 }
        let m = BacktestMetrics.compute(times: times, closes: Array(repeating: 10, count: 10), equity: Array(repeating: 100, count: 10),
                                        trades: [], firstTradingBar: 0)
        #expect(m.maxDrawdownPct == 0 && m.maxDrawdownDurationMs == 0 && m.exposureTimePct == 0 && m.returnPct == 0)
        #expect(m.calmarRatio.isNaN && m.winRatePct.isNaN)
    }
}
