import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

@Suite("API: strategies")
struct StrategyRouteTests {
    @Test("upload loads the code at process level; broken code is rejected with its load error and nothing is stored")
    func uploadValidates() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, token) = try await c.register("author@example.com")
            let id = try await c.upload(token, name: "momentum")
            let mine = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)", token: token)
            #expect(mine["isolation"] as? String == "process")
            #expect((mine["source"] as? String)?.contains("def main") == true)

            let broken = try await c.call(.post, PlatformAPI.strategies, token: token,
                                          json: ["name": "broken", "source": "def main(df, ctx:\n    pass\n", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            #expect(broken.status == 422)
            #expect(broken["code"] as? String == "load")
            #expect((broken["detail"] as? String)?.contains("SyntaxError") == true)
            let noMain = try await c.call(.post, PlatformAPI.strategies, token: token,
                                          json: ["name": "nomain", "source": "x = 1\n", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            #expect(noMain.status == 422)
            let badTimeframe = try await c.call(.post, PlatformAPI.strategies, token: token,
                                                json: ["name": "tf", "source": APIHarness.momentum, "symbols": ["BTCUSDT"], "timeframe": "7m"])
            #expect(badTimeframe.status == 422)
            #expect(badTimeframe["field"] as? String == "timeframe")
            let tooBig = try await c.call(.post, PlatformAPI.strategies, token: token,
                                          json: ["name": "big", "source": String(repeating: "#", count: 300_000), "symbols": ["BTCUSDT"], "timeframe": "1m"])
            #expect(tooBig.status == 413)
            #expect(tooBig["field"] as? String == "source")
            let anonymous = try await c.call(.post, PlatformAPI.strategies, json: ["name": "x", "source": APIHarness.momentum,
                                                                                   "symbols": ["BTCUSDT"], "timeframe": "1m"])
            #expect(anonymous.status == 401)
            let listing = try await c.call(.get, PlatformAPI.strategies)
            #expect(listing["total"] as? Int == 1)
        }
    }

    @Test("listings are public without the source; update makes a new version (owner only); delete is soft")
    func lifecycle() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, owner) = try await c.register("owner@example.com")
            let (_, other) = try await c.register("other@example.com")
            let id = try await c.upload(owner, name: "v1")
            for i in 0..<3 { _ = try await c.upload(owner, name: "filler\(i)") }

            let page = try await c.call(.get, "\(PlatformAPI.strategies)?limit=2&offset=1")
            #expect(page.status == 200)
            #expect(page["total"] as? Int == 4)
            #expect(page.items.count == 2)
            #expect(try await c.call(.get, "\(PlatformAPI.strategies)?limit=0").status == 422)
            let public1 = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)")
            #expect(public1.status == 200)
            #expect(public1["source"] == nil)
            let asOther = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)", token: other)
            #expect(asOther["source"] == nil)

            let forbidden = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: other, json: ["name": "stolen"])
            #expect(forbidden.status == 403)
            #expect(try await c.call(.delete, "\(PlatformAPI.strategies)/\(id)", token: other).status == 403)

            let renamed = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner, json: ["name": "renamed"])
            #expect(renamed["version"] as? Int == 1)
            #expect(renamed["name"] as? String == "renamed")
            let v2 = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner,
                                      json: ["source": APIHarness.momentum + "\n# v2\n", "lookback": 30])
            #expect(v2.status == 200)
            #expect(v2["version"] as? Int == 2)
            #expect(v2["lookback"] as? Int == 30)
            let brokenUpdate = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner, json: ["source": "def main(:"])
            #expect(brokenUpdate.status == 422)
            let detail = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)", token: owner)
            #expect((detail["versions"] as? [[String: Any]])?.count == 2)

            let sub = try await c.subscribe(other, strategy: id)
            #expect(try await c.call(.delete, "\(PlatformAPI.strategies)/\(id)", token: owner).status == 204)
            #expect(try await c.call(.get, "\(PlatformAPI.strategies)/\(id)").status == 404)
            #expect(try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner, json: ["name": "x"]).status == 404)
            // Soft: the versions and the subscriber's history stay.
            #expect(try h.db.strategyVersions(strategyID: id).count == 2)
            #expect(try await c.call(.get, "/api/strategies/subscriptions/\(sub)", token: other).status == 200)
            #expect(try await c.call(.get, PlatformAPI.strategies)["total"] as? Int == 3)
        }
    }
}

@Suite("API: listing cache")
struct ListingCacheTests {
    @Test("the cached public listing changes as soon as a strategy or subscription changes through the API")
    func invalidation() async throws {
        var options = APIOptions()
        options.bcryptCost = 4
        options.listingCacheTTL = .seconds(3600)  // only invalidation can refresh it in this test
        let h = try await APIHarness(options: options)
        try await h.run { c in
            let (_, owner) = try await c.register("owner@example.com")
            #expect(try await c.call(.get, PlatformAPI.strategies)["total"] as? Int == 0)
            let id = try await c.upload(owner, name: "first")
            #expect(try await c.call(.get, PlatformAPI.strategies)["total"] as? Int == 1)
            _ = try await c.subscribe(owner, strategy: id)
            #expect(try await c.call(.get, PlatformAPI.strategies).items.first?["activeSubscribers"] as? Int == 1)
            _ = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner, json: ["name": "renamed"])
            #expect(try await c.call(.get, PlatformAPI.strategies).items.first?["name"] as? String == "renamed")
            _ = try await c.call(.delete, "\(PlatformAPI.strategies)/\(id)", token: owner)
            #expect(try await c.call(.get, PlatformAPI.strategies)["total"] as? Int == 0)
        }
    }
}
