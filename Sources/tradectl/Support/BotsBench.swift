import Foundation
import Platform
import StrategyRuntime

/// The cases of `tradectl bench bots` (issue 15), on SQLite files in a temporary directory:
/// - `grid-N-close`: N grid bots of 20 levels, each its own strategy version, reference account and
///   owner, stepped through one candle close (matching, the bots' Python, each bot's commit), and
///   `grid-N-start`, the close at which they all start (a market buy and 19 limit orders each);
/// - `copiers-N-over-alone`: one grid bot with N copiers against the same bot alone, per close;
/// - `backtest-grid-N`: `tradectl bot backtest grid` over N one-minute candles (candles per second).
///
/// Every bot runs the same generated wrapper (`from tradekit.bots.grid import main`), so the module
/// is loaded once and each bot is its own version, state and account: what the worker would run.
struct BotsBench {
    let bots: Int
    let copiers: Int
    let closes: Int
    let backtestCandles: Int
    let progress: (String) -> Void

    static let params = #"{"lower": 90, "upper": 110, "levels": 20}"#
    static let rules = SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01)

    /// Closes swinging between 95 and 105 (an 8-candle period), so lines fill and re-arm each close.
    static func candles(_ n: Int) -> CandleWindow {
        var w = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [], open: [], high: [], low: [], close: [], volume: [])
        for i in 0..<n {
            let c = 100 + 5 * sin(Double(i) * .pi / 4), o = i == 0 ? c : w.close[i - 1]
            w.times.append(1_704_067_200_000 + Int64(i) * 60_000)
            w.open.append(o)
            w.high.append(max(o, c) * 1.002)
            w.low.append(min(o, c) * 0.998)
            w.close.append(c)
            w.volume.append(1)
        }
        return w
    }

    func runAll() async throws -> (cases: [BenchCase], backtest: BacktestResult?) {
        let host = try await StrategyHost()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-bench-bots-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var cases: [BenchCase] = []
        if bots > 0 {
            progress("grid-\(bots)")
            cases += try await grid(host: host, path: dir.appendingPathComponent("grid.sqlite").path)
        }
        if copiers > 0 {
            progress("copiers-\(copiers)")
            cases += try await copied(host: host, path: dir.appendingPathComponent("copiers.sqlite").path)
        }
        var backtest: BacktestResult?
        if backtestCandles > 0 {
            progress("backtest-grid-\(backtestCandles)")
            backtest = try await self.backtest(host: host)
        }
        return (cases, backtest)
    }

    private func spec(_ i: Int) throws(PlatformError) -> BotSpec {
        try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1, params: Self.params, investment: 1_000 + Double(i % 7) * 100)
    }

    private func grid(host: StrategyHost, path: String) async throws -> [BenchCase] {
        let db = try PlatformDatabase(path: path)
        try db.setRules(symbol: "BTCUSDT", Self.rules)
        let wrapper = try await host.load(StrategySource(id: "grid-bot", code: BotKind.grid.source))
        var loaded: [LoadedVersion] = []
        loaded.reserveCapacity(bots)
        for i in 0..<bots {
            let owner = try db.createUser(name: "bot-owner-\(i)")
            let bot = try db.createBot(ownerID: owner, try spec(i), capital: 1_000 + Double(i % 7) * 100)
            guard let version = try db.strategyVersions(strategyID: bot.id).last else { continue }
            loaded.append(LoadedVersion(version: version, strategy: wrapper))
        }
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        let series = Self.candles(closes + 3)
        var start: [UInt64] = [], samples: [UInt64] = [], projections: [UInt64] = []
        let clock = ContinuousClock()
        for i in 1..<(closes + 2) {
            let t0 = clock.now
            let frame = try host.frame(series.window(endingAt: i, lookback: 2))
            var phases = [Int](repeating: 0, count: 6)
            for l in loaded {
                let r = try await coordinator.execute(l, frame: frame)
                for (k, v) in [r.lockMicros, r.dataMicros, r.strategyMicros, Int(r.pythonNanos / 1_000), r.fanoutMicros, r.commitMicros].enumerated() {
                    phases[k] += v
                }
            }
            let committed = clock.now
            try db.projectFanouts()
            let close = RuntimeBench.nanos(committed - t0)
            if i == 1 { start.append(close) } else { samples.append(close) }
            projections.append(RuntimeBench.nanos(clock.now - committed))
            let names = ["lock", "data", "runtime", "python", "fan-out", "commit"]
            progress("  close \(i): \(close / 1_000_000) ms; per bot µs: "
                     + zip(names, phases).map { "\($0) \($1 / max(1, loaded.count))" }.joined(separator: ", "))
        }
        return [BenchCase(name: "grid-\(bots)-start", samples: start), BenchCase(name: "grid-\(bots)-close", samples: samples),
                BenchCase(name: "project-grid-\(bots)", samples: projections)]
    }

    /// One grid bot with `copiers` copiers and the same bot alone, alternated close by close.
    private func copied(host: StrategyHost, path: String) async throws -> [BenchCase] {
        let db = try PlatformDatabase(path: path)
        try db.setRules(symbol: "BTCUSDT", Self.rules)
        let wrapper = try await host.load(StrategySource(id: "grid-bot", code: BotKind.grid.source))
        var pair: [LoadedVersion] = []
        for i in 0..<2 {
            let owner = try db.createUser(name: "owner-\(i)")
            let bot = try db.createBot(ownerID: owner, try spec(0), capital: 1_000)
            guard let version = try db.strategyVersions(strategyID: bot.id).last else { continue }
            pair.append(LoadedVersion(version: version, strategy: wrapper))
        }
        _ = try db.bulkSubscribers(prefix: "copier", count: copiers, strategyID: pair[0].version.strategyID) { i in
            try! SubscriptionTerms(capital: 200 + Double(i % 50) * 40, riskPerTrade: 0.01, market: .spot)
        }
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        let series = Self.candles(closes + 3)
        var with: [UInt64] = [], alone: [UInt64] = []
        let clock = ContinuousClock()
        for i in 1..<(closes + 2) {
            let frame = try host.frame(series.window(endingAt: i, lookback: 2))
            var t0 = clock.now
            _ = try await coordinator.execute(pair[1], frame: frame)
            let a = RuntimeBench.nanos(clock.now - t0)
            t0 = clock.now
            _ = try await coordinator.execute(pair[0], frame: frame)
            let w = RuntimeBench.nanos(clock.now - t0)
            try db.projectFanouts()
            if i > 1 {
                alone.append(a)
                with.append(w)
            }
        }
        let over = zip(with, alone).map { $0 > $1 ? $0 - $1 : 0 }
        return [BenchCase(name: "bot-alone", samples: alone), BenchCase(name: "bot-with-\(copiers)-copiers", samples: with),
                BenchCase(name: "copiers-\(copiers)-over-alone", samples: over)]
    }

    /// The grid bot through the backtester (the `tradectl bot backtest grid` path) over one-minute candles.
    private func backtest(host: StrategyHost) async throws -> BacktestResult {
        var w = SyntheticCandles(seed: 3).generate(backtestCandles)
        w.symbol = "BTCUSDT"
        let first = w.close[1]
        let params = "{\"lower\": \(first * 0.9), \"upper\": \(first * 1.1), \"levels\": 20}"
        let spec = try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1, params: params, investment: 10_000)
        var settings = BacktestSettings(terms: try spec.terms(capital: 10_100), feeBps: 10, lookback: 2, isolation: .shared, params: spec.params)
        settings.rules = Self.rules
        return try await Backtester.run(source: StrategySource(id: "grid-bot", code: BotKind.grid.source), candles: w, settings: settings, host: host)
    }
}
