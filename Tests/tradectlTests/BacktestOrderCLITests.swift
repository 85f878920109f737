import Foundation
import Testing

/// `tradectl backtest` on the order level: `--market`, `--leverage`, maker and taker fees, and
/// `--json` with every order (state, reason) and fill; futures trades that end in a liquidation say so.
@Suite(.serialized) struct BacktestOrderCLITests {
    /// A CSV of one-minute candles from (open, high, low, close) rows.
    static func csv(_ bars: [(Double, Double, Double, Double)]) throws -> String {
        var lines = ["timestamp,open,high,low,close,volume"]
        for (i, b) in bars.enumerated() { lines.append("\(1_704_067_200 + i * 60),\(b.0),\(b.1),\(b.2),\(b.3),1") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-bt-\(UUID().uuidString).csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Ten quiet candles up to 101 (the entry rests at 102.01), a higher high at candle 10 (the entry
    /// moves to 103.02), a breakout at candle 13, a climb to 112 and a fall through the trailing stop.
    static let breakout: [(Double, Double, Double, Double)] = {
        var bars = [(Double, Double, Double, Double)](repeating: (100, 101, 99, 100), count: 10)
        bars += [(100, 102, 99, 100), (100, 101, 99, 100.5), (100.5, 101, 99.5, 100.5)]
        bars += [(100.5, 104, 100.5, 103.5), (103.5, 106, 103, 105.5), (105.5, 109, 105, 108.5), (108.5, 112.5, 108, 112)]
        bars += [(112, 112, 108, 109), (109, 109.5, 104, 105), (105, 105, 100, 101), (101, 102, 100, 101)]
        return bars
    }()

    @Test("spot: the stop entry rests, is replaced by tag when the level moves, fills at its stop with the taker fee; the trailing stop moves up by cancel and replace and fills")
    func spotBreakoutWithTrailingStop() async throws {
        let file = try Self.csv(Self.breakout)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await CLI.run(["backtest", CLI.root + "/python/strategies/breakout_trailing.py", "--candles", file, "--symbol", "BTCUSDT",
                                   "--timeframe", "1m", "--lookback", "5", "--market", "spot", "--capital", "10000",
                                   "--maker-fee-bps", "2", "--taker-fee-bps", "5",
                                   "--params", #"{"lookback": 5, "buffer": 0.01, "trail": 0.05}"#, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json, "\(r.stdout)")
        let orders = try #require(json["orders"] as? [[String: Any]])
        let fills = try #require(json["fills"] as? [[String: Any]])
        let entries = orders.filter { $0["tag"] as? String == "entry" }
        let trails = orders.filter { $0["tag"] as? String == "trail" }
        // The first entry rests 1 % over the quiet high (101), is cancelled when candle 10 lifts the level to 102.
        #expect(entries.first?["stop_price"] as? Double == 102.01)
        #expect(entries.first?["state"] as? String == "cancelled")
        let filledEntry = try #require(entries.first { $0["state"] as? String == "filled" }, "\(entries)")
        #expect(filledEntry["type"] as? String == "stop")
        #expect(filledEntry["stop_price"] as? Double == 103.02)
        let entryFill = try #require(fills.first)
        #expect(entryFill["tag"] as? String == "entry" && entryFill["side"] as? String == "buy")
        #expect(entryFill["price"] as? Double == 103.02, "a stop fills at its price when the path crosses it")
        let qty = try #require(entryFill["qty"] as? Double)
        #expect(abs((entryFill["fee"] as? Double ?? 0) - 103.02 * qty * 0.0005) < 1e-6, "taker fee 5 bps on a stop fill")
        #expect(entryFill["maker"] as? Bool == false)
        // The trailing stop moves up only: every replaced one is cancelled, each next one higher; the last fills.
        let stops = trails.compactMap { $0["stop_price"] as? Double }
        #expect(trails.count >= 3, "\(trails)")
        #expect(stops == stops.sorted() && Set(stops).count == stops.count, "\(stops)")
        #expect(trails.dropLast().allSatisfy { $0["state"] as? String == "cancelled" }, "\(trails)")
        #expect(trails.last?["state"] as? String == "filled")
        let exit = try #require(fills.last)
        #expect(exit["tag"] as? String == "trail" && exit["side"] as? String == "sell" && exit["qty"] as? Double == qty)
        let trades = try #require(json["trades"] as? [[String: Any]])
        #expect(trades.count == 1)
        #expect(trades.first?["exit_reason"] as? String == "order")
        #expect((trades.first?["pnl"] as? Double ?? 0) > 0, "out at 106.4 after in at 103.02")
        // Spot never shorts: after the exit the account holds no base, and the next entry rests again.
        #expect(fills.last?["position_after"] as? Double == 0)
    }

    @Test("futures: the same strategy's trailing stop is reduce-only, and maker/taker fees follow the flags")
    func futuresBreakoutTrailIsReduceOnly() async throws {
        let file = try Self.csv(Self.breakout)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await CLI.run(["backtest", CLI.root + "/python/strategies/breakout_trailing.py", "--candles", file, "--symbol", "BTCUSDT",
                                   "--timeframe", "1m", "--lookback", "5", "--market", "futures", "--leverage", "2",
                                   "--taker-fee-bps", "4", "--params", #"{"lookback": 5, "buffer": 0.01, "trail": 0.05, "leverage": 2}"#, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json, "\(r.stdout)")
        let orders = try #require(json["orders"] as? [[String: Any]])
        let trails = orders.filter { $0["tag"] as? String == "trail" }
        #expect(!trails.isEmpty && trails.allSatisfy { $0["reduce_only"] as? Bool == true }, "\(trails)")
        let fills = try #require(json["fills"] as? [[String: Any]])
        let entry = try #require(fills.first)
        let qty = try #require(entry["qty"] as? Double)
        #expect(abs(qty * 103.02 - 19_000) < 1, "95 % of the wallet × leverage 2 as notional: \(qty)")
        #expect(abs((entry["fee"] as? Double ?? 0) - qty * 103.02 * 0.0004) < 1e-6)
        #expect(fills.last?["tag"] as? String == "trail" && fills.last?["position_after"] as? Double == 0)
    }

    @Test("futures at 10x: the long is liquidated on the path at its liquidation price; the trade, the fill and the order say so")
    func futuresLiquidation() async throws {
        var bars = [(Double, Double, Double, Double)](repeating: (100, 100.5, 99.5, 100), count: 4)
        for i in 0..<6 { let o = 100 - Double(i) * 3; bars.append((o, o + 0.5, o - 3, o - 3)) }
        let file = try Self.csv(bars)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try await CLI.run(["backtest", CLI.fixtures + "/market_long_once.py", "--candles", file, "--symbol", "BTCUSDT",
                                   "--timeframe", "1m", "--lookback", "3", "--market", "futures", "--leverage", "10", "--capital", "1000",
                                   "--params", #"{"notional": 10000}"#, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json, "\(r.stdout)")
        let trades = try #require(json["trades"] as? [[String: Any]])
        #expect(trades.count == 1, "\(trades)")
        #expect(trades.first?["exit_reason"] as? String == "liquidation")
        // 100 long at 100 with margin 1,000 (10x), MMR 0.005: LP = (10,000 − 1,000) / (100 × 0.995) = 90.4523.
        let lp = 9_000.0 / (100 * 0.995)
        #expect(abs((trades.first?["exit_price"] as? Double ?? 0) - lp) < 1e-6)
        let fills = try #require(json["fills"] as? [[String: Any]])
        #expect(fills.map { $0["liquidation"] as? Bool } == [false, true])
        #expect(abs((fills.last?["price"] as? Double ?? 0) - lp) < 1e-6)
        let stats = try #require(json["stats"] as? [String: Any])
        let realised = try #require(stats["realised_pnl"] as? Double)
        #expect(realised <= 100 * (lp - 100) + 1e-6 && realised >= -1_000 - 1e-6, "at most the isolated margin is lost: \(realised)")

        let table = try await CLI.run(["backtest", CLI.fixtures + "/market_long_once.py", "--candles", file, "--symbol", "BTCUSDT",
                                       "--timeframe", "1m", "--lookback", "3", "--market", "futures", "--leverage", "10", "--capital", "1000",
                                       "--params", #"{"notional": 10000}"#])
        #expect(table.stdout.contains("1 liquidation"), "\(table.stdout)")
    }

    @Test("bad order-level flags are errors naming the flag")
    func badFlags() async throws {
        let file = try Self.csv(Self.breakout)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let base = ["backtest", CLI.root + "/python/strategies/breakout_trailing.py", "--candles", file, "--symbol", "BTCUSDT", "--timeframe", "1m"]
        let market = try await CLI.run(base + ["--market", "margin"])
        #expect(market.status != 0)
        #expect(market.stderr.contains("--market"), "\(market.stderr)")
        let fee = try await CLI.run(base + ["--taker-fee-bps", "5000", "--json"])
        #expect(fee.status != 0)
        #expect(fee.stdout.contains("takerFeeBps"), "\(fee.stdout)\(fee.stderr)")
        let leverage = try await CLI.run(base + ["--leverage", "200", "--json"])
        #expect(leverage.status != 0)
        #expect(leverage.stdout.contains("leverage"), "\(leverage.stdout)\(leverage.stderr)")
    }
}
