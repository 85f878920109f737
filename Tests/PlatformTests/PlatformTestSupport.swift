import Foundation
import Platform
import StrategyRuntime
import Testing

/// Every Platform test that runs strategies shares the process's one embedded Python.
@Suite(.serialized) struct PlatformTests {}

enum PlatformFixture {
    static var fixtures: String { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path }

    static func source(_ name: String) throws -> StrategySource {
        try StrategySource(file: "\(fixtures)/\(name).py", id: name)
    }

    static func host() async throws -> StrategyHost { try await StrategyHost() }

    /// One-minute candles with the given closes (open = previous close, a 1% range around both).
    static func candles(_ closes: [Double], symbol: String = "BTCUSDT", start: Int64 = 1_704_067_200_000) -> CandleWindow {
        var w = CandleWindow(symbol: symbol, timeframe: "1m", times: [], open: [], high: [], low: [], close: [], volume: [])
        for (i, c) in closes.enumerated() {
            let o = i == 0 ? c : closes[i - 1]
            w.times.append(start + Int64(i) * 60_000)
            w.open.append(o)
            w.high.append(max(o, c) * 1.01)
            w.low.append(min(o, c) * 0.99)
            w.close.append(c)
            w.volume.append(1)
        }
        return w
    }

    /// A database with one author, one strategy version on `symbol` and `subscribers` subscribers.
    static func platform(strategy: String, subscribers: Int, lookback: Int = 10) async throws
        -> (PlatformDatabase, StrategyHost, LoadedVersion, [(user: Int64, subscription: Int64)]) {
        let db = try PlatformDatabase.inMemory()
        let host = try await host()
        let author = try db.createUser(name: "author")
        let src = try source(strategy)
        let version = try db.createStrategy(ownerID: author, name: strategy,
                                            spec: StrategyVersionSpec(source: src.code, symbols: ["BTCUSDT"], timeframe: .m1, lookback: lookback))
        var subs: [(Int64, Int64)] = []
        for i in 0..<subscribers {
            let user = try db.createUser(name: "user\(i)")
            let terms = try SubscriptionTerms(capital: 1_000 + Double(i) * 100, riskPerTrade: 0.01 + Double(i % 5) * 0.01, leverage: 2)
            subs.append((user, try db.subscribe(userID: user, strategyID: version.strategyID, terms: terms)))
        }
        let loaded = LoadedVersion(version: version, strategy: try await host.load(src))
        return (db, host, loaded, subs)
    }
}
