import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    @Suite struct BacktestParityTests {
        /// Reference computed by hand (SMA(3) vs SMA(5) of these closes):
        /// candle 5 BUY at 11 (10.33 > 10.2 after 10 = 10); candle 12 SELL at 12 (13 < 13.6 after 14 ≥ 13.8);
        /// candle 17 BUY at 13 (12 > 11.4 after 11 ≤ 11.2); candle 20 SELL at 10 (11 < 11.6 after 12 ≥ 11.8).
        /// BUY/SELL reverse the position; fills at the signal candle's close; no fees.
        static let closes: [Double] = [10, 10, 10, 10, 10, 11, 12, 13, 14, 15, 14, 13, 12, 11, 10, 11, 12, 13, 12, 11, 10, 9]

        @Test func backtestMatchesTheHandCheckedTrades() async throws {
            let w = PlatformFixture.candles(Self.closes)
            let settings = BacktestSettings(terms: try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1), lookback: 6)
            let r = try await Backtester.run(source: try PlatformFixture.source("sma_3_5"), candles: w, settings: settings,
                                             host: try await PlatformFixture.host())
            let t = { (i: Int) in w.times[i] }
            #expect(r.trades.map(\.side) == [.long, .short, .long])
            #expect(r.trades.map(\.entryTime) == [t(5), t(12), t(17)])
            #expect(r.trades.map(\.exitTime) == [t(12), t(17), t(20)])
            let expected = [(12.0 - 11) / 11 * 100, -(13.0 - 12) / 12 * 100, (10.0 - 13) / 13 * 100]
            for (got, want) in zip(r.trades.map(\.returnPct), expected) { #expect(abs(got - want) < 1e-9, "\(r.trades)") }
            #expect(r.trades.map(\.entryPrice) == [11, 12, 13])
            #expect(r.open?.side == .short)
            #expect(r.open?.entryPrice == 10)
            #expect(r.failedCalls == 0)
            #expect(r.candles == Self.closes.count - 5)
        }

        @Test func theProcessLevelGivesTheSameTrades() async throws {
            let w = PlatformFixture.candles(Self.closes)
            let terms = try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1)
            let host = try await PlatformFixture.host()
            let local = try await Backtester.run(source: try PlatformFixture.source("sma_3_5"), candles: w,
                                                 settings: BacktestSettings(terms: terms, lookback: 6), host: host)
            let remote = try await Backtester.run(source: try PlatformFixture.source("sma_3_5"), candles: w,
                                                  settings: BacktestSettings(terms: terms, lookback: 6, isolation: .process), host: host)
            #expect(remote.trades == local.trades)
            #expect(remote.failedCalls == 0)
        }

        @Test func feesAndSlippageCostTheTrader() async throws {
            let w = PlatformFixture.candles(Self.closes)
            let host = try await PlatformFixture.host()
            let terms = try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1)
            let free = try await Backtester.run(source: try PlatformFixture.source("sma_3_5"), candles: w,
                                                settings: BacktestSettings(terms: terms, lookback: 6), host: host)
            let costly = try await Backtester.run(source: try PlatformFixture.source("sma_3_5"), candles: w,
                                                  settings: BacktestSettings(terms: terms, feeBps: 10, slippageBps: 5, lookback: 6), host: host)
            #expect(costly.trades.count == free.trades.count)
            #expect(costly.stats.realisedPnl < free.stats.realisedPnl)
            #expect(costly.trades[0].entryPrice == 11 * 1.0005)
        }
    }
}
