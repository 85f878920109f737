import Foundation
import Platform
@testable import PlatformAPI
import StrategyRuntime
import Testing

@Suite("API: bots", .serialized)
struct BotRouteTests {
    /// One-minute candles whose closes swing between 92 and 108 (a 16-candle period), a 1 % range.
    static func waves(_ n: Int) -> CandleWindow {
        var w = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [], open: [], high: [], low: [], close: [], volume: [])
        for i in 0..<n {
            let c = 100 + 8 * sin(Double(i) * .pi / 8), o = i == 0 ? c : w.close[i - 1]
            w.times.append(1_704_067_200_000 + Int64(i) * 60_000)
            w.open.append(o)
            w.high.append(max(o, c) * 1.01)
            w.low.append(min(o, c) * 0.99)
            w.close.append(c)
            w.volume.append(1)
        }
        return w
    }

    static var grid: [String: Any] { ["type": "grid", "symbol": "BTCUSDT", "timeframe": "1m", "market": "spot",
                                      "params": ["lower": 92, "upper": 108, "levels": 9], "investment": 1_000, "public": true] }

    /// Create, preview, list, show, copy (public only, once), stop with closePosition, start,
    /// delete; every route scoped by user.
    @Test func theBotLifeThroughTheAPI() async throws {
        let candles = Self.waves(40)
        // The bots' clock stands just after candle 20 closed: bots start at its close, stops happen there.
        let clock = VirtualClock(virtualStart: candles.times[20] + 60_001, wallStart: VirtualClock.wallNow(), speed: 0)
        let h = try await APIHarness(clock: clock)
        try h.db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
        _ = try h.db.importCandles(candles)
        try await h.run { c in
            let ada = try await c.register("ada@example.com"), bob = try await c.register("bob@example.com")
            let preview = try await c.call(.post, PlatformAPI.bots + "/preview", token: ada.token, json: Self.grid)
            #expect(preview.status == 200, "\(preview.text)")
            // Candle 20 closes at 108, the top line: 8 limit buys below it, nothing to buy at market.
            #expect(((preview["preview"] as? [String: Any])?["orders"] as? [Any])?.count == 8, "\(preview.text)")
            #expect((preview["price"] as? NSNumber)?.doubleValue == candles.close[20])
            var small = Self.grid
            small["investment"] = 30
            let refused = try await c.call(.post, PlatformAPI.bots, token: ada.token, json: small)
            #expect(refused.status == 422 && refused["field"] as? String == "investment" && refused["code"] as? String == "invalid-input",
                    "\(refused.text)")
            var wrongMarket = Self.grid
            wrongMarket["market"] = "futures"
            #expect(try await c.call(.post, PlatformAPI.bots, token: ada.token, json: wrongMarket)["field"] as? String == "market")

            let created = try await c.call(.post, PlatformAPI.bots, token: ada.token, json: Self.grid)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require((created["id"] as? NSNumber)?.int64Value)
            #expect(created["status"] as? String == "running")
            var hiddenBody = Self.grid
            hiddenBody["public"] = false
            let hidden = try #require((try await c.call(.post, PlatformAPI.bots, token: ada.token, json: hiddenBody)["id"] as? NSNumber)?.int64Value)

            #expect(try await c.call(.get, PlatformAPI.bots + "/\(id)", token: bob.token).status == 404)
            #expect(try await c.call(.post, PlatformAPI.bots + "/\(id)/stop", token: bob.token, json: [String: Any]()).status == 404)
            #expect(try await c.call(.post, PlatformAPI.bots + "/\(hidden)/copy", token: bob.token, json: ["capital": 500]).status == 404)
            let copy = try await c.call(.post, PlatformAPI.bots + "/\(id)/copy", token: bob.token, json: ["capital": 500])
            #expect(copy.status == 201 && copy["capital"] as? NSNumber == 500, "\(copy.text)")
            #expect(try await c.call(.post, PlatformAPI.bots + "/\(id)/copy", token: bob.token, json: ["capital": 500]).status == 409)
            #expect(try await c.call(.get, PlatformAPI.bots, token: bob.token).items.isEmpty)
            // A private bot is not a strategy anyone else can find, read or follow; bots are not
            // in the strategy listing at all (public ones are listed with the bots).
            #expect(try await c.call(.get, PlatformAPI.strategies + "/\(hidden)", token: bob.token).status == 404)
            #expect(try await c.call(.get, PlatformAPI.strategies + "/\(hidden)").status == 404)
            #expect(try await c.call(.get, PlatformAPI.strategies + "/\(hidden)", token: ada.token).status == 200)
            let follow = try await c.call(.post, "/api/strategies/\(hidden)/subscribe", token: bob.token,
                                          json: ["capital": 500, "riskPerTrade": 0.01, "market": "spot"])
            #expect(follow.status == 404, "\(follow.text)")
            let listed = try await c.call(.get, PlatformAPI.strategies).items.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            #expect(!listed.contains(hidden) && !listed.contains(id), "\(listed)")

            // The scheduler's part: the bot's closes 2…19.
            let version = try #require(try h.db.strategyVersions(strategyID: id).last)
            let loaded = LoadedVersion(version: version, strategy: try await h.host.load(StrategySource(id: "bot", code: version.spec.source)))
            let coordinator = try Coordinator(db: h.db, host: h.host)
            for end in 2..<20 { _ = try await coordinator.execute(loaded, frame: try h.host.frame(candles.window(endingAt: end, lookback: 2))) }

            let shown = try await c.call(.get, PlatformAPI.bots + "/\(id)", token: ada.token)
            #expect(shown.status == 200)
            #expect(!((shown["openOrders"] as? [Any]) ?? []).isEmpty, "\(shown.text)")
            #expect((shown["roundTrips"] as? NSNumber)?.intValue ?? 0 > 0, "\(shown.text)")
            #expect(shown["liquidationPrice"] is NSNull && shown["profitCurrency"] as? String == "quote")
            #expect(try await c.call(.get, PlatformAPI.bots, token: ada.token).items.count == 2)

            let stopped = try await c.call(.post, PlatformAPI.bots + "/\(id)/stop", token: ada.token, json: ["closePosition": true])
            #expect(stopped.status == 200 && stopped["status"] as? String == "stopped", "\(stopped.text)")
            #expect((stopped["openOrders"] as? [Any])?.isEmpty == true)
            #expect(try await c.call(.post, PlatformAPI.bots + "/\(id)/stop", token: ada.token, json: [String: Any]()).status == 409)
            let bobSub = try #require((copy["id"] as? NSNumber)?.int64Value)
            #expect(try h.db.orders(userID: bob.id, subscriptionID: bobSub, open: true, limit: 50, offset: 0).items.isEmpty)
            let started = try await c.call(.post, PlatformAPI.bots + "/\(id)/start", token: ada.token)
            #expect(started.status == 200 && started["status"] as? String == "running", "\(started.text)")
            #expect(try await c.call(.delete, PlatformAPI.bots + "/\(id)", token: bob.token).status == 404)
            #expect(try await c.call(.delete, PlatformAPI.bots + "/\(id)", token: ada.token).status == 204)
            #expect(try await c.call(.get, PlatformAPI.bots + "/\(id)", token: ada.token).status == 404)
            #expect(try await c.call(.get, PlatformAPI.bots, token: ada.token).items.count == 1)
        }
    }
}
