import Foundation
import Hummingbird
@testable import Platform
@testable import PlatformAPI
import Testing

@Suite("API: subscriptions")
struct SubscriptionRouteTests {
    @Test("a subscription's live activity: what reconciliation found, to its owner only")
    func liveActivity() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, author) = try await c.register("author@example.com")
            let (userID, user) = try await c.register("user@example.com")
            let (_, other) = try await c.register("other@example.com")
            let strategy = try await c.upload(author)
            let id = try await c.subscribe(user, strategy: strategy)
            let path = "/api/strategies/subscriptions/\(id)/live"
            let empty = try await c.call(.get, path, token: user)
            #expect(empty.status == 200 && (empty["orders"] as? [Any])?.isEmpty == true && (empty["findings"] as? [Any])?.isEmpty == true,
                    "\(empty.text)")
            try h.db.recordFindings([(subscriptionID: id, userID: userID, disagreement: "the exchange holds 0.5 BTC, the account 0.4",
                                      resolution: "adopted the exchange's balance")], adoptions: [])
            let shown = try await c.call(.get, path, token: user)
            let findings = try #require(shown["findings"] as? [[String: Any]])
            #expect(findings.count == 1 && findings.first?["resolution"] as? String == "adopted the exchange's balance", "\(shown.text)")
            #expect((findings.first?["time"] as? NSNumber)?.int64Value ?? 0 > 1_700_000_000_000)
            #expect(!(shown["credentialId"] is String), "a paper subscription names no credential")
            #expect(try await c.call(.get, path, token: other).status == 404)
            #expect(try await c.call(.get, path).status == 401)
        }
    }

    @Test("subscribe validates each field by name; a second live subscription is a conflict; pause, resume, cancel")
    func flow() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (authorID, author) = try await c.register("author@example.com")
            let (_, user) = try await c.register("user@example.com")
            let strategy = try await c.upload(author)
            for (body, field) in [(["capital": 0, "riskPerTrade": 0.01], "capital"), (["capital": 100, "riskPerTrade": 1.5], "riskPerTrade"),
                                  (["capital": 100, "riskPerTrade": 0.1, "leverage": 200], "leverage"), (["riskPerTrade": 0.1], "capital"),
                                  (["capital": "lots", "riskPerTrade": 0.1], "capital")] as [([String: Any], String)] {
                let r = try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: user, json: body)
                #expect(r.status == 422, "\(body)")
                #expect(r["field"] as? String == field, "\(r.text)")
            }
            #expect(try await c.call(.post, "/api/strategies/999/subscribe", token: user, json: ["capital": 1, "riskPerTrade": 0.1]).status == 404)
            let badCredential = try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: user,
                                                 json: ["capital": 1, "riskPerTrade": 0.1, "brokerCredentialId": "cred_nope"])
            #expect(badCredential.status == 422)
            #expect(badCredential["field"] as? String == "brokerCredentialId")

            let id = try await c.subscribe(user, strategy: strategy)
            #expect(try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: user,
                                     json: ["capital": 5, "riskPerTrade": 0.1]).status == 409)
            let list = try await c.call(.get, "/api/strategies/subscriptions", token: user)
            #expect(list.items.count == 1)
            #expect(list.items.first?["allowShort"] as? Bool == true)

            let base = "/api/strategies/subscriptions/\(id)"
            #expect(try await c.call(.post, base + "/pause", token: user)["status"] as? String == "paused")
            #expect(try h.db.activeVersions().isEmpty)  // a paused subscriber keeps no strategy running
            #expect(try await c.call(.post, base + "/resume", token: user)["status"] as? String == "active")
            #expect(try h.db.activeVersions().map(\.ownerID) == [authorID])  // workers place it with its owner's code
            let stats = try await c.call(.get, base + "/stats", token: user)
            #expect(stats.status == 200)
            #expect(stats["trades"] as? Int == 0)
            #expect(try await c.call(.delete, base, token: user)["status"] as? String == "cancelled")
            #expect(try await c.call(.post, base + "/resume", token: user).status == 409)
            // Cancelled keeps the row; subscribing again is allowed.
            #expect(try await c.call(.get, base, token: user)["status"] as? String == "cancelled")
            _ = try await c.subscribe(user, strategy: strategy)
        }
    }

    @Test("credentials are sealed with AES-GCM, listed masked, never returned, and bound to their owner")
    func credentials() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (userID, user) = try await c.register("trader@example.com")
            let r = try await c.call(.post, "/api/credentials", token: user,
                                     json: ["broker": "binance", "label": "main", "apiKey": "AKIAEXAMPLEKEY1234", "apiSecret": "s3cr3t-value-xyz"])
            #expect(r.status == 201)
            #expect(r.text.contains("AKIAEXAMPLEKEY1234") == false)
            #expect(r.text.contains("s3cr3t") == false)
            let id = try #require(r["id"] as? String)
            #expect(r["apiKeyHint"] as? String == "••••1234")
            let listed = try await c.call(.get, "/api/credentials", token: user)
            #expect(listed.items.count == 1)
            #expect(listed.text.contains("s3cr3t") == false && listed.text.contains("EXAMPLEKEY") == false)

            let sealed = try #require(try h.db.sealedCredential(userID: userID, publicID: id))
            #expect(sealed.range(of: Data("s3cr3t-value-xyz".utf8)) == nil)
            let opened = try h.api.vault.open(sealed, userID: userID, publicID: id)
            #expect(String(decoding: opened, as: UTF8.self).contains("s3cr3t-value-xyz"))
            #expect(throws: (any Error).self) { try h.api.vault.open(sealed, userID: userID + 1, publicID: id) }

            let (_, author) = try await c.register("author@example.com")
            let strategy = try await c.upload(author)
            let sub = try await c.call(.post, "/api/strategies/\(strategy)/subscribe", token: user,
                                       json: ["capital": 100, "riskPerTrade": 0.1, "brokerCredentialId": id])
            #expect(sub.status == 201)
            #expect(sub["brokerCredentialId"] as? String == id)
            #expect(try await c.call(.post, "/api/credentials", token: user, json: ["broker": "", "apiKey": "k", "apiSecret": "s"]).status == 422)
            #expect(try await c.call(.delete, "/api/credentials/\(id)", token: user).status == 204)
            #expect(try h.db.sealedCredential(userID: userID, publicID: id) == nil)
            #expect(try await c.call(.get, "/api/credentials", token: user).items.isEmpty)
        }
    }
}
