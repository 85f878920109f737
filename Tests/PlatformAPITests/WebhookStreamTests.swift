import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

@Suite("API: webhooks, stream, metrics")
struct WebhookStreamTests {
    @Test("an alert fans out to every subscriber once; repeats, stale and malformed alerts are refused")
    func webhook() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("tv@example.com")
            let created = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "tv", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m", "max_lag": 30])
            #expect(created.status == 201)
            #expect(created["maxLagSeconds"] as? Int == 30)
            let strategy = try #require((created["id"] as? NSNumber)?.int64Value)
            let token = try #require(created["webhookToken"] as? String)
            #expect(try await c.call(.get, "\(PlatformAPI.strategies)/\(strategy)")["webhookToken"] == nil)
            var subscribers: [(String, Int64)] = []
            for i in 0..<3 {
                let (_, t) = try await c.register("follower\(i)@example.com")
                subscribers.append((t, try await c.subscribe(t, strategy: strategy, capital: 1_000 * Double(i + 1))))
            }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let alert: [String: Any] = ["action": "buy", "symbol": "btcusdt", "price": 50_000, "time": now, "stopLoss": 49_000]
            let first = try await c.call(.post, "/webhooks/\(token)", json: alert)
            #expect(first.status == 202, "\(first.text)")
            #expect(first["accepted"] as? Bool == true)
            #expect(first["ordersFilled"] as? Int == 3)
            let repeated = try await c.call(.post, "/webhooks/\(token)", json: alert)
            #expect(repeated["accepted"] as? Bool == false)
            #expect(try h.db.orderCount() == 6)  // each subscriber's entry and its resting stop, once

            // Sized per subscriber: risk 1% of capital over a 1,000 stop.
            let (t0, s0) = subscribers[0]
            let orders = try await c.call(.get, "/api/strategies/subscriptions/\(s0)/orders", token: t0)
            #expect(orders.items.count == 2)
            let entry = orders.items.first { $0["purpose"] as? String == "open" }
            #expect(abs(((entry?["qty"] as? Double) ?? 0) - 0.01) < 1e-9)
            #expect(orders.items.contains { $0["purpose"] as? String == "stop-loss" && $0["status"] as? String == "new" })
            #expect(try await c.call(.get, "/api/strategies/subscriptions/\(s0)/positions", token: t0).items.first?["status"] as? String == "open")
            let signals = try await c.call(.get, "\(PlatformAPI.strategies)/\(strategy)/signals", token: t0)
            #expect(signals.items.first?["action"] as? String == "BUY")

            let stale = try await c.call(.post, "/webhooks/\(token)", json: ["action": "sell", "symbol": "BTCUSDT", "price": 1, "time": now / 1000 - 120])
            #expect(stale.status == 422)
            #expect(stale["code"] as? String == "stale-signal")
            #expect(try await c.call(.post, "/webhooks/\(token)", json: ["action": "moon", "symbol": "BTCUSDT", "price": 1])["field"] as? String == "action")
            #expect(try await c.call(.post, "/webhooks/\(token)", json: ["action": "buy", "symbol": "ETHUSDT", "price": 1])["field"] as? String == "symbol")
            #expect(try await c.call(.post, "/webhooks/\(token)", json: ["action": "buy", "symbol": "BTCUSDT", "price": -1])["field"] as? String == "price")
            #expect(try await c.call(.post, "/webhooks/\(token)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 10, "stopLoss": 11])["field"] as? String == "stopLoss")
            #expect(try await c.call(.post, "/webhooks/not-a-token", json: alert).status == 404)
            #expect(try h.db.orderCount() == 6)

            // Paused subscribers get nothing; the close reaches the others.
            let (t1, s1) = subscribers[1]
            _ = try await c.call(.post, "/api/strategies/subscriptions/\(s1)/pause", token: t1)
            let close = try await c.call(.post, "/webhooks/\(token)", json: ["action": "close", "symbol": "BTCUSDT", "price": 51_000, "time": now + 1])
            #expect(close["ordersFilled"] as? Int == 2)
            let stats = try await c.call(.get, "/api/strategies/subscriptions/\(s0)/stats", token: t0)
            #expect(stats["trades"] as? Int == 1)
            #expect(((stats["realisedPnl"] as? Double) ?? 0) > 0)

            let metrics = try await c.call(.get, "/metrics", token: APIHarness.operatorToken)
            #expect(metrics.text.contains("tradectl_executions_total{status=\"ok\"} 2"))
            #expect(metrics.text.contains("tradectl_execution_latency_seconds_count 2"))
        }
    }

    @Test("the event stream sends the user's own signals, orders and fills, and no one else's")
    func stream() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("tv@example.com")
            let created = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "tv", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            let strategy = try #require((created["id"] as? NSNumber)?.int64Value)
            let hook = try #require(created["webhookToken"] as? String)
            let (_, follower) = try await c.register("follower@example.com")
            let (_, outsider) = try await c.register("outsider@example.com")
            _ = try await c.subscribe(follower, strategy: strategy)
            // from=start: the stream replays the user's history first, so it cannot miss what
            // was committed before its handler ran.
            async let mine = c.call(.get, "/api/stream?seconds=4&from=start", token: follower)
            async let theirs = c.call(.get, "/api/stream?seconds=4&from=start&token=\(outsider)")
            let r = try await c.call(.post, "/webhooks/\(hook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100])
            #expect(r["ordersFilled"] as? Int == 1)
            let (a, b) = try await (mine, theirs)
            #expect(a.status == 200)
            #expect(a.headers[.contentType] == "text/event-stream")
            #expect(a.text.contains("event: signal"))
            #expect(a.text.contains("event: order"))
            #expect(a.text.contains("event: fill"))
            #expect(b.status == 200)
            #expect(b.text.contains("event:") == false)
        }
    }
}
