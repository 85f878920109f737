import Foundation
import Platform
import StrategyRuntime

/// The cases of `tradectl bench fanout`, each on its own database file in a temporary directory.
struct FanoutBench {
    let root: String
    let rounds: Int
    /// Case groups to run (`fanout`, `orders`, `e2e`); all when empty.
    var only: Set<String> = []
    let progress: (String) -> Void

    func wants(_ group: String) -> Bool { only.isEmpty || only.contains(group) }

    /// A strategy that signals on every candle, alternating BUY and SELL (every subscriber reverses).
    static let lightSource = """
        def main(data, ctx):
            n = ctx.state.get("n", 0)
            ctx.state["n"] = n + 1
            return {"action": "BUY" if n % 2 == 0 else "SELL", "stopLoss": None}
        """

    func runAll() async throws -> [BenchCase] {
        let host = try await StrategyHost()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var cases: [BenchCase] = []
        if wants("orders") {
            progress("orders-10000, match-10000")
            cases += try await OrderFanoutBench(rounds: rounds).run(subscribers: 10_000, host: host,
                                                                    path: dir.appendingPathComponent("orders-10000.sqlite").path)
        }
        for n in [1, 100, 10_000] where wants("fanout") {
            progress("fanout-\(n)")
            cases += try await fanout(n, host: host, path: dir.appendingPathComponent("fanout-\(n).sqlite").path)
        }
        guard wants("e2e") else { return cases }
        let sma = try String(contentsOfFile: "\(root)/python/strategies/sma_crossover.py", encoding: .utf8)
        progress("e2e-100x100")
        cases += try await e2e("e2e-100x100", host: host, source: Self.lightSource, strategies: 100, subscribers: 100,
                                lookback: 200, path: dir.appendingPathComponent("e2e-light.sqlite").path)
        progress("e2e-pandas-100x100")
        cases += try await e2e("e2e-pandas-100x100", host: host, source: sma, strategies: 100, subscribers: 100,
                                lookback: 500, path: dir.appendingPathComponent("e2e-pandas.sqlite").path)
        progress("e2e-1x10000")
        cases += try await e2e("e2e-1x10000", host: host, source: Self.lightSource, strategies: 1, subscribers: 10_000,
                                lookback: 200, path: dir.appendingPathComponent("e2e-wide.sqlite").path)
        return cases
    }

    /// Sizing plus the one-transaction commit for `n` subscribers, on a BUY/SELL reversal each round;
    /// and, untimed there and measured as `project-fanout-N`, expanding that commit's journal entry
    /// into the orders and positions tables before the next round (the worker does it after each pass).
    private func fanout(_ n: Int, host: StrategyHost, path: String) async throws -> [BenchCase] {
        let db = try PlatformDatabase(path: path)
        let author = try db.createUser(name: "author")
        let version = try db.createStrategy(ownerID: author, name: "fanout",
                                            spec: StrategyVersionSpec(source: "def main(data):\n    return None\n", symbols: ["BTCUSDT"], timeframe: .m1))
        _ = try db.bulkSubscribers(prefix: "sub", count: n, strategyID: version.strategyID) { i in
            try! SubscriptionTerms(capital: 1_000 + Double(i % 100) * 50, riskPerTrade: 0.005 + Double(i % 10) * 0.002, leverage: Double(1 + i % 10))
        }
        let series = SyntheticCandles(seed: 11).generate(rounds + 10)
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        var samples: [UInt64] = [], projections: [UInt64] = []
        let clock = ContinuousClock()
        for i in 0..<(rounds + 5) {
            let window = series.window(endingAt: 5 + i, lookback: 5)
            let close = window.close[window.count - 1]
            let signal = Signal(action: i % 2 == 0 ? .buy : .sell, entryPrice: close,
                                stopLoss: i % 2 == 0 ? close * 0.98 : close * 1.02, symbol: "BTCUSDT")
            let start = clock.now
            _ = try await coordinator.commit(signals: [signal], version: version, window: window, expand: false)
            let committed = clock.now
            try db.projectFanouts()
            if i >= 5 {
                samples.append(RuntimeBench.nanos(committed - start))
                projections.append(RuntimeBench.nanos(clock.now - committed))
            }
        }
        return [BenchCase(name: "fanout-\(n)", samples: samples), BenchCase(name: "project-fanout-\(n)", samples: projections)]
    }

    /// From candle close until every order is committed: one frame, every strategy once, fan-out
    /// each; then, measured as `project-<name>`, expanding the round's journal entries.
    private func e2e(_ name: String, host: StrategyHost, source: String, strategies: Int, subscribers: Int, lookback: Int,
                     path: String) async throws -> [BenchCase] {
        let db = try PlatformDatabase(path: path)
        let author = try db.createUser(name: "author")
        var loaded: [LoadedVersion] = []
        for s in 0..<strategies {
            let version = try db.createStrategy(ownerID: author, name: "\(name)-\(s)",
                                                spec: StrategyVersionSpec(source: source, symbols: ["BTCUSDT"], timeframe: .m1, lookback: lookback))
            _ = try db.bulkSubscribers(prefix: "s\(s)-", count: subscribers, strategyID: version.strategyID) { i in
                try! SubscriptionTerms(capital: 1_000 + Double(i % 100) * 50, riskPerTrade: 0.01, leverage: 2)
            }
            let strategy = try await host.load(StrategySource(id: "\(name)-\(s)", code: source))
            loaded.append(LoadedVersion(version: version, strategy: strategy))
        }
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        let e2eRounds = max(5, min(rounds, subscribers * strategies >= 10_000 ? 30 : rounds))
        let series = SyntheticCandles(seed: 5).generate(lookback + e2eRounds + 5)
        var samples: [UInt64] = [], projections: [UInt64] = []
        let clock = ContinuousClock()
        for i in 0..<(e2eRounds + 2) {
            let window = series.window(endingAt: lookback - 1 + i, lookback: lookback)
            let start = clock.now
            let frame = try host.frame(window)
            for l in loaded { _ = try await coordinator.execute(l, frame: frame) }
            let committed = clock.now
            try db.projectFanouts()
            if i >= 2 {
                samples.append(RuntimeBench.nanos(committed - start))
                projections.append(RuntimeBench.nanos(clock.now - committed))
            }
        }
        return [BenchCase(name: name, samples: samples), BenchCase(name: "project-\(name)", samples: projections)]
    }
}
