import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import StrategyRuntime
import Testing

/// The order level over the API: a subscription's open and past orders with state, reason and
/// transitions, its fills and its account, each scoped to the subscription's owner; `market` on
/// subscribe and `reference` on upload.
@Suite("API: orders, fills and accounts")
struct OrderRouteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Quiet candles up to 101 (the entry rests at 102.01), a higher high at candle 10 (the entry is
    /// replaced at 103.02), a breakout at candle 13,
    /// a climb to 112 and a fall through the trailing stop; then quiet again.
    static func candles() -> CandleWindow {
        var bars = [(Double, Double, Double, Double)](repeating: (100, 101, 99, 100), count: 10)
        bars += [(100, 102, 99, 100), (100, 101, 99, 100.5), (100.5, 101, 99.5, 100.5)]
        bars += [(100.5, 104, 100.5, 103.5), (103.5, 106, 103, 105.5), (105.5, 109, 105, 108.5), (108.5, 112.5, 108, 112)]
        bars += [(112, 112, 108, 109), (109, 109.5, 104, 105), (105, 105, 100, 101), (101, 102, 100, 101)]
        var w = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [], open: [], high: [], low: [], close: [], volume: [])
        for (i, b) in bars.enumerated() {
            w.times.append(1_704_067_200_000 + Int64(i) * 60_000)
            w.open.append(b.0); w.high.append(b.1); w.low.append(b.2); w.close.append(b.3); w.volume.append(1)
        }
        return w
    }

    /// The example breakout strategy (python/strategies) stored for `author` with a spot reference
    /// account, loaded for the real coordinator.
    static func strategy(_ h: APIHarness, author: Int64) async throws -> LoadedVersion {
        let source = try StrategySource(file: root + "/python/strategies/breakout_trailing.py")
        let version = try h.db.createStrategy(ownerID: author, name: "breakout",
                                              spec: StrategyVersionSpec(source: source.code, params: #"{"lookback": 5, "buffer": 0.01, "trail": 0.05}"#,
                                                                        symbols: ["BTCUSDT"], timeframe: .m1, lookback: 5,
                                                                        reference: ReferenceSpec(capital: 10_000, market: .spot)))
        return LoadedVersion(version: version, strategy: try await h.host.load(source))
    }

    /// Executes the candles `range` (each with the 5 before it) through the real coordinator.
    static func execute(_ h: APIHarness, _ loaded: LoadedVersion, _ range: ClosedRange<Int>) async throws {
        let coordinator = try Coordinator(db: h.db, host: h.host)
        let window = candles()
        for i in range {
            let report = try await coordinator.execute(loaded, frame: try h.host.frame(window.window(endingAt: i, lookback: 5)))
            #expect(report.outcome == .committed(status: "ok"), "\(i): \(report.outcome)")
        }
    }

    @Test("open and past orders with state, reason and transitions; fills; spot balances; all 404 for another user")
    func spotSubscription() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (authorID, _) = try await c.register("author@example.com")
            let (_, user) = try await c.register("user@example.com")
            let (_, other) = try await c.register("other@example.com")
            let loaded = try await Self.strategy(h, author: authorID)
            let created = try await c.call(.post, "/api/strategies/\(loaded.version.strategyID)/subscribe", token: user,
                                           json: ["capital": 20_000, "riskPerTrade": 0.01, "market": "spot"])
            #expect(created.status == 201, "\(created.text)")
            #expect(created["market"] as? String == "spot")
            let sub = try #require((created["id"] as? NSNumber)?.int64Value)
            let base = "/api/strategies/subscriptions/\(sub)"

            // Before the breakout: the entry rests (open), the first one was cancelled by the strategy (past).
            try await Self.execute(h, loaded, 4...12)
            let open = try await c.call(.get, base + "/orders?state=open", token: user)
            #expect(open.status == 200, "\(open.text)")
            #expect(open.items.map { $0["tag"] as? String } == ["entry"])
            #expect(open.items.first?["status"] as? String == "new" && open.items.first?["stopPrice"] as? Double == 103.02)
            let past = try await c.call(.get, base + "/orders?state=past", token: user)
            #expect(past.items.map { $0["status"] as? String } == ["cancelled"])
            #expect(past.items.first?["reason"] as? String == "cancelled-by-strategy")
            var account = try await c.call(.get, base + "/account", token: user)
            #expect(account.status == 200, "\(account.text)")
            #expect(account["market"] as? String == "spot")
            var first = try #require((account["accounts"] as? [[String: Any]])?.first, "\(account.text)")
            var balances = try #require(first["balances"] as? [String: [String: Double]])
            // The resting buy holds 95 % of the quote and its fee (scaled: capital 20,000 / reference 10,000).
            let reserved = balances["quote"]?["reserved"] ?? 0, free = balances["quote"]?["free"] ?? 0
            #expect(reserved >= 19_000 && reserved <= 19_000 * 1.0011 && abs(reserved + free - 20_000) < 1e-6, "\(balances)")
            #expect(balances["base"]?["free"] == 0 && first["position"] == nil)

            // Through the breakout and the trailing stop.
            try await Self.execute(h, loaded, 13...20)
            let fills = try await c.call(.get, base + "/fills", token: user)
            #expect(fills.status == 200, "\(fills.text)")
            #expect(fills.items.map { $0["tag"] as? String } == ["trail", "entry"], "newest first: \(fills.text)")
            #expect(fills.items.last?["price"] as? Double == 103.02)
            let all = try await c.call(.get, base + "/orders?limit=200", token: user)
            let filledEntry = try #require(all.items.first { $0["tag"] as? String == "entry" && $0["status"] as? String == "filled" })
            let detail = try await c.call(.get, base + "/orders/\((filledEntry["id"] as? NSNumber)?.int64Value ?? 0)", token: user)
            #expect(detail.status == 200, "\(detail.text)")
            let transitions = try #require(detail["transitions"] as? [[String: Any]])
            #expect(transitions.map { $0["to"] as? String } == ["new", "filled"])
            #expect(transitions.map { $0["reason"] as? String } == ["placed", "filled"])
            #expect(all.items.filter { $0["tag"] as? String == "trail" }.count >= 3, "the trailing stop was replaced as it moved up")
            account = try await c.call(.get, base + "/account", token: user)
            first = try #require((account["accounts"] as? [[String: Any]])?.first)
            balances = try #require(first["balances"] as? [String: [String: Double]])
            #expect(balances["base"]?["free"] == 0 && balances["base"]?["reserved"] == 0, "flat after the trailing stop: \(balances)")
            #expect((first["realisedPnl"] as? Double ?? 0) > 0)

            // Scoped: another user sees none of it, and bad input is a typed problem.
            for path in ["/orders", "/orders?state=open", "/fills", "/account", "/orders/\((filledEntry["id"] as? NSNumber)?.int64Value ?? 0)"] {
                let r = try await c.call(.get, base + path, token: other)
                #expect(r.status == 404, "\(path): \(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            #expect(try await c.call(.get, base + "/orders/999999", token: user).status == 404)
            let badState = try await c.call(.get, base + "/orders?state=closed", token: user)
            #expect(badState.status == 422)
            #expect(badState["field"] as? String == "state" && badState["code"] as? String == "invalid-input")
            #expect(try await c.call(.get, base + "/account").status == 401)
        }
    }

    @Test("a futures subscription's account shows the position with entry, leverage, margin and liquidation price")
    func futuresPosition() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("author@example.com")
            let created = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "tv", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            let strategy = try #require((created["id"] as? NSNumber)?.int64Value)
            let hook = try #require(created["webhookToken"] as? String)
            let (_, user) = try await c.register("user@example.com")
            let sub = try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: user,
                                       json: ["capital": 1_000, "riskPerTrade": 1, "leverage": 10, "market": "futures"])
            #expect(sub.status == 201 && sub["market"] as? String == "futures", "\(sub.text)")
            let id = try #require((sub["id"] as? NSNumber)?.int64Value)
            #expect(try await c.call(.post, "/webhooks/\(hook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100]).status == 202)
            let account = try await c.call(.get, "/api/strategies/subscriptions/\(id)/account", token: user)
            #expect(account["leverage"] as? Double == 10)
            let first = try #require((account["accounts"] as? [[String: Any]])?.first, "\(account.text)")
            #expect(first["balances"].flatMap { ($0 as? [String: Any])?["base"] } == nil, "futures has no base balance")
            let position = try #require(first["position"] as? [String: Any], "\(account.text)")
            #expect(position["side"] as? String == "long" && position["leverage"] as? Double == 10)
            let qty = try #require(position["qty"] as? Double), entry = try #require(position["entryPrice"] as? Double)
            let margin = try #require(position["margin"] as? Double)
            #expect(entry == 100 && abs(margin - qty * entry / 10) < 1e-6)
            // ORDERS.md: LP = (Q·EP − M) / (Q·(1 − MMR)), MMR 0.005.
            let lp = try #require(position["liquidationPrice"] as? Double)
            #expect(abs(lp - (qty * entry - margin) / (qty * 0.995)) < 1e-6)
            let fills = try await c.call(.get, "/api/strategies/subscriptions/\(id)/fills", token: user)
            #expect(fills.items.count == 1 && fills.items.first?["liquidation"] as? Bool == false)
        }
    }

    @Test("subscribe takes market spot|futures and names a bad one; upload takes a reference account and names its bad field")
    func marketAndReference() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("author@example.com")
            let r = try await c.call(.post, PlatformAPI.strategies, token: author,
                                     json: ["name": "ref", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m",
                                            "reference": ["capital": 500, "market": "spot", "riskPerTrade": 0.02]])
            #expect(r.status == 201, "\(r.text)")
            let reference = try #require(r["reference"] as? [String: Any])
            #expect(reference["capital"] as? Double == 500 && reference["market"] as? String == "spot")
            #expect(reference["leverage"] as? Double == 1 && reference["riskPerTrade"] as? Double == 0.02)
            let id = try #require((r["id"] as? NSNumber)?.int64Value)
            #expect(try h.db.strategySummary(id: id).version.spec.reference == ReferenceSpec(capital: 500, market: .spot, leverage: 1, riskPerTrade: 0.02))
            for (body, field) in [(["capital": 0], "reference.capital"), (["leverage": 500], "reference.leverage"),
                                  (["riskPerTrade": 2], "reference.riskPerTrade"), (["market": "margin"], "reference.market")] as [([String: Any], String)] {
                let bad = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "bad", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m", "reference": body])
                #expect(bad.status == 422, "\(body): \(bad.text)")
                #expect(bad["field"] as? String == field, "\(bad.text)")
            }
            // An update of the reference alone makes a new version.
            let updated = try await c.call(.put, PlatformAPI.strategies + "/\(id)", token: author, json: ["reference": ["capital": 800]])
            #expect(updated.status == 200, "\(updated.text)")
            #expect((updated["reference"] as? [String: Any])?["capital"] as? Double == 800)
            #expect((updated["reference"] as? [String: Any])?["market"] as? String == "spot", "the rest is kept")

            let (_, user) = try await c.register("user@example.com")
            let bad = try await c.call(.post, "/api/strategies/\(id)/subscribe", token: user, json: ["capital": 100, "riskPerTrade": 0.1, "market": "margin"])
            #expect(bad.status == 422 && bad["field"] as? String == "market", "\(bad.text)")
            let plain = try await c.call(.post, "/api/strategies/\(id)/subscribe", token: user, json: ["capital": 100, "riskPerTrade": 0.1])
            #expect(plain["market"] as? String == "futures", "futures by default: \(plain.text)")
        }
    }
}

extension OrderRouteTests {
    @Test("the stream's fill events are rows of the fills table with their own ids; after=f… resumes after the fill it names")
    func fillEvents() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("tv@example.com")
            let created = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "tv", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            let strategy = try #require((created["id"] as? NSNumber)?.int64Value)
            let hook = try #require(created["webhookToken"] as? String)
            let (_, user) = try await c.register("user@example.com")
            let sub = try await c.subscribe(user, strategy: strategy)
            #expect(try await c.call(.post, "/webhooks/\(hook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100]).status == 202)
            let fills = try await c.call(.get, "/api/strategies/subscriptions/\(sub)/fills", token: user)
            let fill = try #require(fills.items.first, "\(fills.text)")
            let fillID = try #require((fill["id"] as? NSNumber)?.int64Value)

            let replay = try await c.call(.get, "/api/stream?seconds=1&from=start", token: user)
            let events = replay.text.components(separatedBy: "\n\n")
            let fillEvent = events.first { $0.hasPrefix("event: fill") }
            let event = try #require(fillEvent, "\(replay.text)")
            #expect(event.contains("id: f\(fillID)\n"), "\(event)")
            let parts = event.components(separatedBy: "data: ")
            let data = try #require(parts.last)
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
            #expect((payload["id"] as? NSNumber)?.int64Value == fillID)
            #expect(payload["subscriptionId"] as? Int == Int(sub) && payload["liquidation"] as? Bool == false && payload["price"] as? Double == 100)
            // Resuming after that fill replays no fill; after f0 (and nothing else) replays only it.
            let after = try await c.call(.get, "/api/stream?seconds=1&after=f\(fillID)", token: user)
            #expect(after.status == 200 && !after.text.contains("event: fill"), "\(after.text)")
            let fromZero = try await c.call(.get, "/api/stream?seconds=1&after=f0", token: user)
            #expect(fromZero.text.contains("id: f\(fillID)\n") && !fromZero.text.contains("event: order"), "\(fromZero.text)")
        }
    }
}
