import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

/// No request, authenticated or not, reaches another user's rows: one check per endpoint.
@Suite("API: ownership")
struct OwnershipTests {
    @Test("another user (and nobody) cannot read or change a user's subscriptions, credentials, orders or private executions")
    func everyEndpoint() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, alice) = try await c.register("alice@example.com")
            let (_, mallory) = try await c.register("mallory@example.com")
            let strategy = try await c.upload(alice, name: "alice's")
            let sub = try await c.subscribe(alice, strategy: strategy)
            let cred = try await c.call(.post, "/api/credentials", token: alice, json: ["broker": "b", "apiKey": "key-1234567", "apiSecret": "x"])
            let credID = try #require(cred["id"] as? String)
            let base = "/api/strategies/subscriptions/\(sub)"

            // Subscriptions: 404 for someone else (existence is not disclosed), 401 for nobody.
            for (method, path) in [(HTTPRequest.Method.get, base), (.get, base + "/stats"), (.get, base + "/orders"),
                                   (.get, base + "/positions"), (.post, base + "/pause"), (.post, base + "/resume"), (.delete, base)] {
                #expect(try await c.call(method, path, token: mallory).status == 404, "\(method) \(path)")
                #expect(try await c.call(method, path).status == 401, "\(method) \(path) without a token")
            }
            #expect(try await c.call(.get, "/api/strategies/subscriptions", token: mallory).items.isEmpty)
            #expect(try await c.call(.get, "/api/strategies/subscriptions").status == 401)
            #expect(try await c.call(.get, base, token: alice)["status"] as? String == "active")  // untouched

            // Credentials.
            #expect(try await c.call(.get, "/api/credentials", token: mallory).items.isEmpty)
            #expect(try await c.call(.delete, "/api/credentials/\(credID)", token: mallory).status == 404)
            #expect(try await c.call(.delete, "/api/credentials/\(credID)").status == 401)
            #expect(try await c.call(.get, "/api/credentials", token: alice).items.count == 1)
            let borrowed = try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: mallory,
                                            json: ["capital": 1, "riskPerTrade": 0.1, "brokerCredentialId": credID])
            #expect(borrowed.status == 422)

            // A strategy's executions are its owner's; its signals are for its owner and subscribers.
            let s = "\(PlatformAPI.strategies)/\(strategy)"
            #expect(try await c.call(.get, s + "/executions", token: mallory).status == 403)
            #expect(try await c.call(.get, s + "/executions").status == 401)
            #expect(try await c.call(.get, s + "/executions", token: alice).status == 200)
            #expect(try await c.call(.get, s + "/signals", token: mallory).status == 403)
            #expect(try await c.call(.get, s + "/signals", token: alice).status == 200)
            #expect(try await c.call(.put, s, token: mallory, json: ["name": "mine"]).status == 403)
            #expect(try await c.call(.put, s, json: ["name": "mine"]).status == 401)
            #expect(try await c.call(.delete, s, token: mallory).status == 403)
            #expect(try await c.call(.get, s, token: mallory)["source"] == nil)
            #expect(try await c.call(.get, s, token: alice)["name"] as? String == "alice's")
            #expect(try await c.call(.get, "/api/stream?seconds=1", token: "forged").status == 401)
        }
    }
}

extension OwnershipTests {
    /// Every authenticated route with a path parameter, taken from the route table: a route
    /// added later is checked without editing this list, and one whose family is unknown fails
    /// until it is classified here.
    @Test("every parameterised route of the route table refuses another user and nobody")
    func everyRouteOfTheTable() async throws {
        let candles = BotRouteTests.waves(30)
        let clock = VirtualClock(virtualStart: candles.times[20] + 60_001, wallStart: VirtualClock.wallNow(), speed: 0)
        let h = try await APIHarness(clock: clock)
        try h.db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
        _ = try h.db.importCandles(candles)
        try await h.run { c in
            let (_, alice) = try await c.register("alice@example.com")
            let (_, mallory) = try await c.register("mallory@example.com")
            let strategy = try await c.upload(alice, name: "alice's")
            let sub = try await c.subscribe(alice, strategy: strategy)
            let cred = try #require(try await c.call(.post, "/api/credentials", token: alice,
                                                     json: ["broker": "b", "apiKey": "key-1234567", "apiSecret": "x"])["id"] as? String)
            var body = BotRouteTests.grid
            body["public"] = false
            let bot = try #require((try await c.call(.post, PlatformAPI.bots, token: alice, json: body)["id"] as? NSNumber)?.int64Value)

            // Family → (alice's resource for the path, what another user gets). Routes that are
            // meant to reach another user's resource are named apart.
            let families: [(prefix: String, id: String, refused: Int)] = [
                (PlatformAPI.subscriptions + "/{id}", "\(sub)", 404),
                ("/api/credentials/{id}", cred, 404),
                (PlatformAPI.bots + "/{id}", "\(bot)", 404),
                (PlatformAPI.strategies + "/{id}", "\(strategy)", 403),
            ]
            let open: Set<String> = ["/api/strategies/{strategyId}/subscribe"]  // anyone may follow a strategy
            var checked = 0
            for e in h.api.endpoints where e.auth && e.path.contains("{") && !open.contains(e.path) {
                guard let family = families.first(where: { e.path == $0.prefix || e.path.hasPrefix($0.prefix + "/") }) else {
                    Issue.record("\(e.method) \(e.path) belongs to no known family: say who may reach it in OwnershipTests")
                    continue
                }
                let path = e.path.replacingOccurrences(of: "{id}", with: family.id).replacingOccurrences(of: "{orderId}", with: "1")
                let json: Any? = e.body == nil ? nil : [String: Any]()
                let other = try await c.call(e.method, path, token: mallory, json: json)
                if other.status == 422 {  // the body is checked first: the same answer as for an id that does not exist
                    let missing = e.path.replacingOccurrences(of: "{id}", with: "999999").replacingOccurrences(of: "{orderId}", with: "1")
                    let none = try await c.call(e.method, missing, token: mallory, json: json)
                    #expect(none.status == 422 && none["detail"] as? String == other["detail"] as? String,
                            "\(e.method) \(e.path): another user's id and a missing id must not be told apart")
                } else {
                    #expect(other.status == family.refused, "\(e.method) \(e.path) as another user: \(other.status) \(other.text)")
                }
                let nobody = try await c.call(e.method, path, json: json)
                #expect(nobody.status == 401, "\(e.method) \(e.path) without a token: \(nobody.status)")
                checked += 1
            }
            #expect(checked >= 20, "\(checked) routes checked")
            // Untouched by all of it.
            #expect(try await c.call(.get, PlatformAPI.subscriptions + "/\(sub)", token: alice)["status"] as? String == "active")
            #expect(try await c.call(.get, PlatformAPI.bots + "/\(bot)", token: alice)["status"] as? String == "running")
            #expect(try await c.call(.get, "/api/credentials", token: alice).items.count == 1)
        }
    }
}
