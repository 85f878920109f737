import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// `--jobs`: a per-candle main(data) evaluated in sandbox workers gives the sequential
    /// backtest's trades; a main that takes ctx runs sequentially and says why.
    @Suite struct ParallelBacktestTests {
        static func run(_ source: StrategySource, _ w: CandleWindow, lookback: Int, jobs: Int) async throws -> BacktestResult {
            var settings = BacktestSettings(terms: try VectorisedBacktestTests.terms(), lookback: lookback)
            settings.jobs = jobs
            return try await Backtester.run(source: source, candles: w, settings: settings, host: try await PlatformFixture.host())
        }

        /// The seed's strategy, unchanged, on 600 random candles (stops and take-profits among its
        /// exits): through the coordinator, and with its windows split between two workers.
        @Test func theSeedTradesAlikeWithTwoJobs() async throws {
            let w = PlatformFixture.candles(VectorisedBacktestTests.walk(600, step: 0.003))
            let seed = try StrategySource(file: "\(VectorisedBacktestTests.strategies)/sma_crossover.py", id: "seed")
            let sequential = try await Self.run(seed, w, lookback: 51, jobs: 1)
            let parallel = try await Self.run(seed, w, lookback: 51, jobs: 2)
            #expect(parallel.jobs == 2 && parallel.sequentialReason == nil)
            #expect(sequential.jobs == 1 && sequential.engine == .perCandle)
            #expect(sequential.trades.count >= 5)
            #expect(Set(sequential.trades.map(\.reason)).isSuperset(of: ["signal", "stop-loss", "take-profit"]))
            #expect(parallel.trades == sequential.trades)
            #expect(parallel.open == sequential.open)
            #expect(parallel.fills.map(\.time) == sequential.fills.map(\.time))
            #expect(parallel.fills.map(\.price) == sequential.fills.map(\.price))
            #expect(parallel.orders.map { "\($0.candleTime) \($0.side) \($0.type) \($0.purpose) \($0.status) \($0.qty)" }
                    == sequential.orders.map { "\($0.candleTime) \($0.side) \($0.type) \($0.purpose) \($0.status) \($0.qty)" })
            #expect(parallel.candles == sequential.candles && parallel.failedCalls == 0)
            #expect(parallel.equity.count == parallel.candles)
            #expect(parallel.metrics?.returnPct == sequential.metrics?.returnPct)
        }

        /// A strategy whose signal depends on ctx.state (a BUY on its fifth call): with --jobs 2 it
        /// runs sequentially, says why, and buys on the fifth walked candle as without --jobs.
        @Test func aStrategyTakingCtxRunsSequentiallyAndSaysSo() async throws {
            let w = PlatformFixture.candles(VectorisedBacktestTests.walk(120))
            let source = try PlatformFixture.source("buy_on_fifth_call")
            let sequential = try await Self.run(source, w, lookback: 10, jobs: 1)
            let asked = try await Self.run(source, w, lookback: 10, jobs: 2)
            #expect(asked.jobs == 1)
            let why = try #require(asked.sequentialReason)
            #expect(why.contains("ctx.state") && why.contains("sequentially"), "\(why)")
            #expect(sequential.sequentialReason == nil)
            #expect(asked.open?.entryTime == w.times[9 + 4])
            #expect(asked.open == sequential.open && asked.trades == sequential.trades)
        }

        /// --jobs outside 1…64 is a typed error naming the field.
        @Test func jobsOutOfRangeIsATypedError() async throws {
            let w = PlatformFixture.candles(BacktestParityTests.closes)
            await #expect { try await Self.run(try PlatformFixture.source("sma_3_5"), w, lookback: 6, jobs: 0) } throws: { error in
                (error as? PlatformError)?.field == "jobs"
            }
        }
    }
}
