import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

/// Issue 12, findings 1 and 6, through the API: poisoned numbers, NUL bytes in stored text, the
/// token of a user that no longer exists, and what a cancelled subscriber may still read.
@Suite("API: adversarial input")
struct AdversarialInputTests {
    static func webhookStrategy(_ c: APIHarness.Client, _ token: String, name: String) async throws -> (id: Int64, hook: String) {
        let created = try await c.call(.post, PlatformAPI.strategies, token: token,
                                       json: ["name": name, "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"])
        try #require(created.status == 201, "\(created.text)")
        return (try #require((created["id"] as? NSNumber)?.int64Value), try #require(created["webhookToken"] as? String))
    }

    @Test("an alert priced out of bounds is a 422 naming the field, and every tenant's orders keep flowing")
    func poisonedAlert() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, mallory) = try await c.register("mallory@example.com")
            let (evil, evilHook) = try await Self.webhookStrategy(c, mallory, name: "evil")
            let evilSub = try await c.subscribe(mallory, strategy: evil)
            let (_, alice) = try await c.register("alice@example.com")
            let (honest, honestHook) = try await Self.webhookStrategy(c, alice, name: "honest")
            let (_, bob) = try await c.register("bob@example.com")
            let bobSub = try await c.subscribe(bob, strategy: honest)

            for (field, body) in [("price", #"{"action":"buy","symbol":"BTCUSDT","price":1e-320}"#),
                                  ("price", #"{"action":"buy","symbol":"BTCUSDT","price":1e300}"#),
                                  ("stopLoss", #"{"action":"buy","symbol":"BTCUSDT","price":100,"stopLoss":1e-320}"#),
                                  ("takeProfit", #"{"action":"buy","symbol":"BTCUSDT","price":100,"takeProfit":1e300}"#)] {
                let r = try await c.call(.post, "/webhooks/\(evilHook)", raw: body)
                #expect(r.status == 422, "\(body): \(r.text)")
                #expect(r["field"] as? String == field, "\(body): \(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            #expect(try await c.call(.get, "/api/strategies/subscriptions/\(evilSub)/orders", token: mallory).items.isEmpty)

            let fine = try await c.call(.post, "/webhooks/\(honestHook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 50_000])
            #expect(fine.status == 202, "\(fine.text)")
            let orders = try await c.call(.get, "/api/strategies/subscriptions/\(bobSub)/orders", token: bob)
            #expect(orders.items.count == 1, "\(orders.text)")
            #expect(orders.items.first?["status"] as? String == "filled")
            let again = try await c.call(.post, "/webhooks/\(evilHook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100])
            #expect(again.status == 202, "\(again.text)")

            // Terms that overflow once multiplied (capital × leverage) are refused at the door.
            let rich = try await c.call(.post, "/api/strategies/\(honest)/subscribe", token: mallory,
                                        json: ["capital": 1.7e308, "riskPerTrade": 1, "leverage": 125])
            #expect(rich.status == 422)
            #expect(rich["field"] as? String == "capital")
        }
    }

    @Test("a NUL byte in any stored text is a 422 naming the field, never silently truncated")
    func nulBytes() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let email = try await c.call(.post, "/auth/register", raw: #"{"email":"eve\u0000@example.com","password":"correct horse"}"#)
            #expect(email.status == 422, "\(email.text)")
            #expect(email["field"] as? String == "email")
            let name = try await c.call(.post, "/auth/register",
                                        raw: #"{"email":"eve@example.com","password":"correct horse","name":"Eve\u0000Admin"}"#)
            #expect(name.status == 422, "\(name.text)")
            #expect(name["field"] as? String == "name")

            let (_, eve) = try await c.register("eve@example.com")
            let strategies: [(String, String)] = [
                ("name", #"{"name":"tv\u0000x","kind":"webhook","symbols":["BTCUSDT"],"timeframe":"1m"}"#),
                ("description", #"{"name":"tv","description":"a\u0000b","kind":"webhook","symbols":["BTCUSDT"],"timeframe":"1m"}"#),
                ("symbols", #"{"name":"tv","kind":"webhook","symbols":["BTC\u0000USDT"],"timeframe":"1m"}"#),
            ]
            for (field, body) in strategies {
                let r = try await c.call(.post, PlatformAPI.strategies, token: eve, raw: body)
                #expect(r.status == 422, "\(body): \(r.text)")
                #expect(r["field"] as? String == field, "\(body): \(r.text)")
            }
            let label = try await c.call(.post, "/api/credentials", token: eve,
                                         raw: #"{"broker":"paper","label":"main\u0000","apiKey":"k123456","apiSecret":"s"}"#)
            #expect(label.status == 422, "\(label.text)")
            #expect(label["field"] as? String == "label")
            #expect(try await c.call(.get, "/api/credentials", token: eve).items.isEmpty)
            let mine = try await c.call(.get, "\(PlatformAPI.strategies)?limit=50")
            #expect((mine["total"] as? Int) == 0, "nothing was stored: \(mine.text)")
        }
    }

    @Test("the token of a user that no longer exists gets 401 on every authenticated endpoint")
    func deletedUser() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, owner) = try await c.register("owner@example.com")
            let (strategy, _) = try await Self.webhookStrategy(c, owner, name: "tv")
            let subscription = try await c.subscribe(owner, strategy: strategy)
            // Signed with the API's own key, for a user id that was never created (or was deleted).
            let ghost = try await TokenIssuer(secret: Array(repeating: 7, count: 32)).issue(userID: 4_242)
            let bodies: [String: Any] = [
                "Subscribe": ["capital": 1_000, "riskPerTrade": 0.01],
                "CredentialCreate": ["broker": "paper", "apiKey": "k123456", "apiSecret": "s"],
                "StrategyCreate": ["name": "ghost", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"],
                "StrategyUpdate": ["name": "ghost"],
            ]
            var checked = 0
            for e in h.api.endpoints where e.auth {
                var path = e.path.replacingOccurrences(of: "{strategyId}", with: "\(strategy)")
                path = path.replacingOccurrences(of: "{id}", with: path.hasPrefix(PlatformAPI.subscriptions) ? "\(subscription)" : "\(strategy)")
                if e.query.contains("seconds") { path += "?seconds=1" }
                let r = try await c.call(e.method, path, token: ghost, json: e.body.flatMap { bodies[$0] })
                #expect(r.status == 401, "\(e.method) \(path): \(r.status) \(r.text)")
                checked += 1
            }
            #expect(checked >= 15)
            #expect(try await c.call(.get, "\(PlatformAPI.strategies)/\(strategy)", token: ghost).status == 401)
        }
    }

    @Test("a cancelled subscriber reads the strategy's signals up to its cancellation only")
    func cancelledSubscriber() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("author@example.com")
            let (strategy, hook) = try await Self.webhookStrategy(c, author, name: "tv")
            let (_, follower) = try await c.register("follower@example.com")
            let (_, stranger) = try await c.register("stranger@example.com")
            let sub = try await c.subscribe(follower, strategy: strategy)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let signals = "\(PlatformAPI.strategies)/\(strategy)/signals"
            #expect(try await c.call(.post, "/webhooks/\(hook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100, "time": now - 2_000]).status == 202)
            #expect(try await c.call(.delete, "\(PlatformAPI.subscriptions)/\(sub)", token: follower)["status"] as? String == "cancelled")
            #expect(try await c.call(.post, "/webhooks/\(hook)", json: ["action": "sell", "symbol": "BTCUSDT", "price": 99, "time": now - 1_000]).status == 202)

            let seen = try await c.call(.get, signals, token: follower)
            #expect(seen.status == 200)
            #expect(seen.items.map { $0["action"] as? String } == ["BUY"], "\(seen.text)")
            #expect(seen["total"] as? Int == 1)
            #expect(try await c.call(.get, signals, token: author).items.count == 2)
            #expect(try await c.call(.get, signals, token: stranger).status == 403)
            // Subscribing again gives a live subscriber's view back.
            _ = try await c.subscribe(follower, strategy: strategy)
            #expect(try await c.call(.get, signals, token: follower).items.count == 2)
        }
    }
}
