import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// prepare(data, ctx) / signals(data, ctx) backtests: the same trades as the per-candle
    /// contract on the same paper exchange, and the look-ahead check.
    @Suite struct VectorisedBacktestTests {
        static func terms() throws -> SubscriptionTerms { try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1) }

        static func run(_ name: String, _ w: CandleWindow, lookback: Int, check: LookAheadCheck = .sample,
                        file: String? = nil) async throws -> BacktestResult {
            var settings = BacktestSettings(terms: try terms(), lookback: lookback)
            settings.lookAheadCheck = check
            let source = try file.map { try StrategySource(file: $0, id: name) } ?? PlatformFixture.source(name)
            return try await Backtester.run(source: source, candles: w, settings: settings, host: try await PlatformFixture.host())
        }

        /// A seeded random walk of `n` closes, up to `step` a candle either way.
        static func walk(_ n: Int, seed: UInt64 = 7, step: Double = 0.01) -> [Double] {
            var x = seed, price = 100.0
            return (0..<n).map { _ in
                x = x &* 6364136223846793005 &+ 1442695040888963407
                price *= 1 + (Double(x >> 11) / Double(1 << 53) - 0.5) * 2 * step
                return price
            }
        }

        static var strategies: String {
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../python/strategies").standardized.path
        }

        @Test func signalsAndPreparedMainGiveTheHandCheckedTrades() async throws {
            let w = PlatformFixture.candles(BacktestParityTests.closes)
            let perCandle = try await Self.run("sma_3_5", w, lookback: 6)
            let signals = try await Self.run("sma_3_5_signals", w, lookback: 6)
            let prepared = try await Self.run("sma_3_5_prepared", w, lookback: 6)
            #expect(perCandle.engine == .perCandle && signals.engine == .signals && prepared.engine == .prepareMain)
            #expect(perCandle.trades.map(\.entryTime) == [w.times[5], w.times[12], w.times[17]])
            #expect(signals.trades == perCandle.trades)
            #expect(prepared.trades == perCandle.trades)
            #expect(signals.open == perCandle.open && prepared.open == perCandle.open)
            #expect(signals.fills.map(\.price) == perCandle.fills.map(\.price))
            #expect(signals.candles == perCandle.candles && signals.failedCalls == 0 && prepared.failedCalls == 0)
            #expect(signals.equity.count == signals.candles)
        }

        /// The seed's strategy, unchanged, and its two vectorised forms (with stops and
        /// take-profits) on 600 random candles: the same trades (stop and take-profit exits
        /// among them), orders and fills; the examples pass the full look-ahead check.
        @Test func theSeedAndItsVectorisedFormsTradeAlike() async throws {
            let w = PlatformFixture.candles(Self.walk(600, step: 0.003))
            let dir = Self.strategies
            let seed = try await Self.run("seed", w, lookback: 51, file: "\(dir)/sma_crossover.py")
            let signals = try await Self.run("signals", w, lookback: 51, check: .full, file: "\(dir)/sma_crossover_signals.py")
            let prepared = try await Self.run("prepared", w, lookback: 51, check: .full, file: "\(dir)/sma_crossover_prepared.py")
            #expect(seed.trades.count >= 5)
            #expect(Set(seed.trades.map(\.reason)).isSuperset(of: ["signal", "stop-loss", "take-profit"]), "\(seed.trades.map(\.reason))")
            #expect(signals.trades == seed.trades)
            #expect(prepared.trades == seed.trades)
            func shape(_ r: BacktestResult) -> [String] {
                r.orders.map { "\($0.candleTime) \($0.side) \($0.type) \($0.purpose) \($0.status) \($0.qty) \($0.price) \($0.stopPrice ?? 0) \($0.limitPrice ?? 0)" }
            }
            #expect(shape(signals) == shape(seed))
            #expect(prepared.fills.map(\.time) == seed.fills.map(\.time))
            #expect(signals.lookAhead?.candlesChecked == 550)
            #expect(prepared.lookAhead?.mode == .full)
        }

        @Test(arguments: [("lookahead_centred", "mid"), ("lookahead_shift", "action")])
        func lookingAheadFailsTheBacktestNamingColumnCandleAndValues(name: String, column: String) async throws {
            let w = PlatformFixture.candles(Self.walk(120))
            do {
                _ = try await Self.run(name, w, lookback: 10)
                Issue.record("the backtest of \(name) passed")
            } catch let e as PlatformError {
                #expect(e.code == .lookAhead)
                #expect(e.field == column)
                #expect(e.message.contains("column '\(column)' at candle "), "\(e.message)")
                #expect(e.message.contains("over the whole history but"), "\(e.message)")
                #expect(e.message.contains("2024-01-01T"), "\(e.message)")
            }
            let unchecked = try await Self.run(name, w, lookback: 10, check: .off)
            #expect(unchecked.lookAhead?.candlesChecked == 0)
        }

        @Test func aBadSignalColumnIsATypedError() async throws {
            let w = PlatformFixture.candles(Self.walk(30))
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vbt-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let file = dir.appendingPathComponent("short.py").path
            try "def signals(data, ctx):\n    return ['BUY'] * 3\n".write(toFile: file, atomically: true, encoding: .utf8)
            await #expect(throws: PlatformError.self) { _ = try await Self.run("short", w, lookback: 5, file: file) }
            do {
                _ = try await Self.run("short", w, lookback: 5, file: file)
            } catch let e as PlatformError {
                #expect(e.code == .strategyFailed && e.field == "signals")
                #expect(e.message.contains("invalid-signal") && e.message.contains("3 actions for 30 candles"), "\(e.message)")
            }
        }
    }
}
