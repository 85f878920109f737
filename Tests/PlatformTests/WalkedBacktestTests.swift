import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// The per-candle backtest walks the account in memory; the same candles through the live
    /// coordinator (lock, journal, commit and projection per candle) must give the same trades,
    /// orders, fills, equity curve, account and state.
    @Suite struct WalkedBacktestTests {
        /// Both engines on `source`; fails on the first difference.
        static func compare(_ source: StrategySource, _ w: CandleWindow, settings: BacktestSettings) async throws -> BacktestResult {
            let host = try await PlatformFixture.host()
            let walked = try await Backtester.run(source: source, candles: w, settings: settings, host: host)
            var through = settings
            through.throughCoordinator = true
            let live = try await Backtester.run(source: source, candles: w, settings: through, host: host)
            #expect(walked.engine == .perCandle && live.engine == .perCandleCoordinator)
            // The positions table keeps no closed trade's share of the entry fee (its pnl has it).
            #expect(walked.trades.map(Self.plain) == live.trades.map(Self.plain))
            #expect(walked.open == live.open)
            #expect(walked.fills.map(Self.plain) == live.fills.map(Self.plain))
            #expect(walked.orders.map(Self.plain).sorted(by: Self.byNumber) == live.orders.map(Self.plain).sorted(by: Self.byNumber))
            #expect(walked.equity == live.equity)
            #expect(walked.account.map(Self.plain) == live.account.map(Self.plain))
            #expect(walked.failedCalls == live.failedCalls && walked.candles == live.candles)
            #expect(walked.stats == live.stats)
            return walked
        }

        static func plain(_ t: Trade) -> Trade {
            var t = t
            t.entryFee = 0
            return t
        }

        static func plain(_ f: FillEntry) -> FillEntry {
            var f = f
            (f.id, f.subscriptionId, f.executionId) = (0, 0, 0)
            return f
        }

        static func plain(_ o: OrderEntry) -> OrderEntry {
            var o = o
            (o.id, o.subscriptionId, o.executionId) = (0, 0, 0)
            return o
        }

        static func plain(_ a: AccountEntry) -> AccountEntry {
            var a = a
            (a.subscriptionId, a.updatedAt) = (0, 0)
            return a
        }

        static func byNumber(_ a: OrderEntry, _ b: OrderEntry) -> Bool { (a.orderNo ?? 0) < (b.orderNo ?? 0) }

        /// The seed's SMA crossover with its stops and take-profits, on 600 random candles.
        @Test func theSeedStrategyWalksAsTheCoordinatorRunsIt() async throws {
            let w = PlatformFixture.candles(VectorisedBacktestTests.walk(600, step: 0.003))
            let source = try StrategySource(file: "\(VectorisedBacktestTests.strategies)/sma_crossover.py", id: "seed")
            var settings = BacktestSettings(terms: try VectorisedBacktestTests.terms(), feeBps: 5, slippageBps: 2, lookback: 51)
            settings.rules = SymbolRules(lotStep: 0.001, minNotional: 5, tickSize: 0.01)
            let r = try await Self.compare(source, w, settings: settings)
            #expect(r.trades.count >= 5 && Set(r.trades.map(\.reason)).isSuperset(of: ["signal", "stop-loss", "take-profit"]))
        }

        /// A grid bot (resting limit orders, state carried in `ctx.state`, the symbol's tick and
        /// lot step, maker and taker fees) on 400 candles of waves and drift.
        @Test func aGridBotWalksAsTheCoordinatorRunsIt() async throws {
            let closes = VectorisedBacktestTests.walk(400, seed: 11, step: 0.006)
            let w = PlatformFixture.candles(closes)
            let first = closes[1]
            let params = "{\"lower\": \(first * 0.93), \"upper\": \(first * 1.07), \"levels\": 12}"
            let spec = try BotSpec(kind: .grid, symbol: w.symbol, timeframe: .m1, params: params, investment: 2_000)
            var settings = BacktestSettings(terms: try spec.terms(capital: 2_020), makerFeeBps: 2, takerFeeBps: 5, lookback: 2,
                                            params: spec.params)
            settings.rules = SymbolRules(lotStep: 0.001, minNotional: 5, tickSize: 0.01)
            let r = try await Self.compare(StrategySource(id: "grid-bot", code: BotKind.grid.source), w, settings: settings)
            #expect(r.fills.count > 20 && r.orders.contains { $0.type == "limit" && $0.status == "filled" }, "\(r.fills.count) fills")
            #expect(BotStatus(stateJSON: r.state).roundTrips > 0, "\(r.state ?? "nil")")
        }
    }
}
