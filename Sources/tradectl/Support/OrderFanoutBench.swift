import Foundation
import Platform
import StrategyRuntime

/// The order-level cases of `tradectl bench fanout`: one strategy with 10,000 spot subscribers
/// that, in a four-candle cycle, places 10 limit buys, sees a candle dip through all of them, places
/// 10 limit sells and sees a candle rise through those.
///
/// - `orders-N`: an execution whose strategy places 10 limit orders, mirrored to every subscriber
///   scaled by capital, committed (the candle before had filled the previous ten, so nothing rests).
/// - `match-N`: a candle matched against every subscriber's 10 resting orders, all of which fill,
///   with the fills, the accounts and the strategy's call committed.
///
/// Each round is a real `Coordinator.execute` (lock, state, the Python call, the reference
/// account, the fan-out, the one transaction); `project-…` is the deferred journal expansion.
struct OrderFanoutBench {
    let rounds: Int

    static let source = """
        def main(data, ctx):
            n = ctx.state.get("n", 0)
            ctx.state["n"] = n + 1
            if n % 4 == 0:
                return [{"action": "BUY", "type": "limit", "price": 95.0 + i / 10, "quantity": 0.1, "tag": f"b{i}"}
                        for i in range(10)]
            if n % 4 == 2:
                return [{"action": "SELL", "type": "limit", "price": 105.0 + i / 10, "quantity": 0.1, "tag": f"s{i}"}
                        for i in range(10)]
            return None
        """

    /// Candles flat at 100, except that candle 4k+2 dips to 94 and candle 4k+4 rises to 107: call i
    /// closes candle i + 1, so the orders call 4k places rest from candle 4k+2 and fill there.
    static func candles(_ n: Int) -> CandleWindow {
        let t0: Int64 = 1_704_067_200_000
        var low = [Double](repeating: 99.9, count: n), high = [Double](repeating: 100.1, count: n)
        for i in 0..<n where i % 4 == 2 { low[i] = 94 }
        for i in 1..<n where i % 4 == 0 { high[i] = 107 }
        return CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: (0..<n).map { t0 + Int64($0) * 60_000 },
                            open: .init(repeating: 100, count: n), high: high, low: low,
                            close: .init(repeating: 100, count: n), volume: .init(repeating: 1, count: n))
    }

    func run(subscribers n: Int, host: StrategyHost, path: String) async throws -> [BenchCase] {
        let db = try PlatformDatabase(path: path)
        try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
        let author = try db.createUser(name: "author")
        let version = try db.createStrategy(ownerID: author, name: "orders-\(n)",
                                            spec: StrategyVersionSpec(source: Self.source, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 2,
                                                                      reference: ReferenceSpec(capital: 1_000, market: .spot)))
        _ = try db.bulkSubscribers(prefix: "o", count: n, strategyID: version.strategyID) { i in
            try! SubscriptionTerms(capital: 1_000 + Double(i % 100) * 50, riskPerTrade: 0.01, market: .spot)
        }
        let loaded = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "orders-\(n)", code: Self.source)))
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        let cycles = max(3, rounds / 2)
        let series = Self.candles(4 * (cycles + 1) + 2)
        var placing: [UInt64] = [], matching: [UInt64] = [], projecting: [UInt64] = []
        // The engine (matching and mirroring for every subscriber) and the rest of the transaction
        // (the journal entry and the execution's rows), per case: where a commit's time goes.
        var parts: [[UInt64]] = [[], [], [], []]
        let clock = ContinuousClock()
        for i in 0..<(4 * (cycles + 1)) {
            let window = series.window(endingAt: i + 1, lookback: 2)
            let start = clock.now
            let report = try await coordinator.execute(loaded, frame: try host.frame(window))
            let committed = clock.now
            try db.projectFanouts()
            guard report.outcome == .committed(status: "ok") else { throw BenchFailure("round \(i): \(report.outcome)") }
            // Even calls place ten orders on a quiet candle; odd calls' candles fill all of them everywhere.
            let fills = i % 2 == 1 ? 10 * n : 0  // subscribers' fills (the reference account's are not fan-out)
            guard report.ordersFilled == fills else { throw BenchFailure("round \(i): \(report.ordersFilled) fills, expected \(fills)") }
            guard i >= 4 else { continue }  // the first cycle warms up
            parts[2 * (i % 2)].append(UInt64(report.fanoutMicros) * 1_000)
            parts[2 * (i % 2) + 1].append(UInt64(report.commitMicros) * 1_000)
            if i % 2 == 0 {
                placing.append(RuntimeBench.nanos(committed - start))
            } else {
                matching.append(RuntimeBench.nanos(committed - start))
            }
            projecting.append(RuntimeBench.nanos(clock.now - committed))
        }
        return [BenchCase(name: "orders-\(n)", samples: placing), BenchCase(name: "match-\(n)", samples: matching),
                BenchCase(name: "project-orders-\(n)", samples: projecting),
                BenchCase(name: "orders-engine-\(n)", samples: parts[0]), BenchCase(name: "orders-write-\(n)", samples: parts[1]),
                BenchCase(name: "match-engine-\(n)", samples: parts[2]), BenchCase(name: "match-write-\(n)", samples: parts[3])]
    }
}

/// A benchmark whose work did not happen as designed: it fails instead of timing nothing.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
