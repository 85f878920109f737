import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

/// Every tenant is bounded (issue 12, finding 4): strategies, symbols per strategy, subscriptions
/// and concurrent event streams per user, each with a clear problem error; symbols follow one grammar.
@Suite("API: quotas and symbols")
struct QuotaTests {
    static func webhook(_ c: APIHarness.Client, _ token: String, name: String, symbols: Any = ["BTCUSDT"]) async throws -> APIHarness.Client.Reply {
        try await c.call(.post, PlatformAPI.strategies, token: token,
                         json: ["name": name, "kind": "webhook", "symbols": symbols, "timeframe": "1m"])
    }

    @Test("symbols follow ^[A-Z0-9]{2,20}$ (no separators) and at most 50 per strategy; nothing is stored otherwise")
    func symbols() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, token) = try await c.register("symbols@example.com")
            let joined = try await Self.webhook(c, token, name: "joined", symbols: ["BTCUSDT,ETHUSDT"])
            #expect(joined.status == 422, "\(joined.text)")
            #expect(joined["field"] as? String == "symbols")
            #expect(joined["code"] as? String == "invalid-input")
            for bad in ["BTC/USDT", "BTC USDT", "B", String(repeating: "A", count: 21), "BTC\u{0}USDT", "ÄBC"] {
                let r = try await Self.webhook(c, token, name: "bad", symbols: [bad])
                #expect(r.status == 422, "\(bad): \(r.text)")
                #expect(r["field"] as? String == "symbols")
            }
            let many = try await Self.webhook(c, token, name: "many", symbols: (0..<5_000).map { "S\($0)" })
            #expect(many.status == 422, "\(many.text.prefix(300))")
            #expect(many["code"] as? String == "quota-exceeded")
            #expect(many["field"] as? String == "symbols")
            #expect(try await Self.webhook(c, token, name: "fifty", symbols: (0..<50).map { "S\($0)" }).status == 201)
            #expect(try await Self.webhook(c, token, name: "lower", symbols: ["ethusdt"])["symbols"] as? [String] == ["ETHUSDT"])
            #expect(try await c.call(.get, PlatformAPI.strategies)["total"] as? Int == 2)
        }
    }

    @Test("at most 25 live strategies per user (deleting one frees a place)")
    func strategiesPerUser() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, token) = try await c.register("many@example.com")
            var ids: [Int64] = []
            for i in 0..<25 {
                let r = try await Self.webhook(c, token, name: "s\(i)")
                try #require(r.status == 201, "\(r.text)")
                ids.append(try #require((r["id"] as? NSNumber)?.int64Value))
            }
            let over = try await Self.webhook(c, token, name: "one too many")
            #expect(over.status == 422, "\(over.text)")
            #expect(over["code"] as? String == "quota-exceeded")
            #expect((over["detail"] as? String)?.contains("25") == true)
            #expect(try await c.call(.delete, "\(PlatformAPI.strategies)/\(ids[0])", token: token).status == 204)
            #expect(try await Self.webhook(c, token, name: "in its place").status == 201)
        }
    }

    @Test("at most 100 live subscriptions per user (a cancelled one frees a place)")
    func subscriptionsPerUser() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            var strategies: [Int64] = []
            for a in 0..<5 {
                let (_, author) = try await c.register("author\(a)@example.com")
                for i in 0..<21 {
                    let r = try await Self.webhook(c, author, name: "w\(a)-\(i)")
                    try #require(r.status == 201, "\(r.text)")
                    strategies.append(try #require((r["id"] as? NSNumber)?.int64Value))
                }
            }
            let (_, follower) = try await c.register("follower@example.com")
            var subs: [Int64] = []
            for s in strategies.prefix(100) { subs.append(try await c.subscribe(follower, strategy: s)) }
            let over = try await c.call(.post, "/api/strategies/\(strategies[100])/subscribe", token: follower,
                                        json: ["capital": 1_000, "riskPerTrade": 0.01])
            #expect(over.status == 422, "\(over.text)")
            #expect(over["code"] as? String == "quota-exceeded")
            _ = try await c.call(.delete, "/api/strategies/subscriptions/\(subs[0])", token: follower)
            _ = try await c.subscribe(follower, strategy: strategies[100])
        }
    }

    @Test("at most 4 concurrent event streams per user: the fifth gets 429 with Retry-After")
    func streamsPerUser() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, token) = try await c.register("streams@example.com")
            let (_, other) = try await c.register("other@example.com")
            async let s1 = c.call(.get, "/api/stream?seconds=3", token: token)
            async let s2 = c.call(.get, "/api/stream?seconds=3", token: token)
            async let s3 = c.call(.get, "/api/stream?seconds=3", token: token)
            async let s4 = c.call(.get, "/api/stream?seconds=3", token: token)
            for _ in 0..<250 where h.api.hub.openStreams < 4 { try await Task.sleep(for: .milliseconds(20)) }
            let fifth = try await c.call(.get, "/api/stream?seconds=1", token: token)
            #expect(fifth.status == 429, "\(fifth.text)")
            #expect(fifth["code"] as? String == "too-many-streams")
            #expect(fifth.headers[.retryAfter] != nil)
            let another = try await c.call(.get, "/api/stream?seconds=1", token: other)
            #expect(another.status == 200, "another user's stream is not refused")
            let opened = try await [s1, s2, s3, s4]
            #expect(opened.allSatisfy { $0.status == 200 })
            #expect(try await c.call(.get, "/api/stream?seconds=1", token: token).status == 200, "a closed stream frees its place")
        }
    }
}
