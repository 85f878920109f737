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
