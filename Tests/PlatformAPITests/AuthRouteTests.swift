import Foundation
import Hummingbird
@testable import PlatformAPI
import Testing

@Suite("API: auth")
struct AuthRouteTests {
    @Test("register and login return {user, token}; the token opens /auth/me; errors are problem+json with the field")
    func registerLogin() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (id, token) = try await c.register("Ada@Example.com")
            let me = try await c.call(.get, "/auth/me", token: token)
            #expect(me.status == 200)
            #expect(me["email"] as? String == "ada@example.com")
            #expect((me["id"] as? NSNumber)?.int64Value == id)
            #expect(me.text.contains("password") == false)

            let login = try await c.call(.post, "/auth/login", json: ["email": "ada@example.com", "password": "correct horse"])
            #expect(login.status == 200)
            #expect((login["token"] as? String)?.isEmpty == false)

            let wrong = try await c.call(.post, "/auth/login", json: ["email": "ada@example.com", "password": "wrong horse"])
            #expect(wrong.status == 401)
            #expect(wrong.headers[.contentType] == "application/problem+json")
            #expect(wrong.headers[.wwwAuthenticate] == "Bearer")
            let unknown = try await c.call(.post, "/auth/login", json: ["email": "nobody@example.com", "password": "correct horse"])
            #expect(unknown.status == 401)

            let again = try await c.call(.post, "/auth/register", json: ["email": "ada@example.com", "password": "another one"])
            #expect(again.status == 409)
            #expect(again["field"] as? String == "email")

            let missing = try await c.call(.post, "/auth/register", json: ["email": "bob@example.com"])
            #expect(missing.status == 422)
            #expect(missing["field"] as? String == "password")
            let short = try await c.call(.post, "/auth/register", json: ["email": "bob@example.com", "password": "short"])
            #expect(short.status == 422)
            #expect(short["field"] as? String == "password")
            let badEmail = try await c.call(.post, "/auth/register", json: ["email": "not-an-email", "password": "long enough"])
            #expect(badEmail.status == 422)
            #expect(badEmail["field"] as? String == "email")
            let malformed = try await c.call(.post, "/auth/register", raw: "{\"email\": ")
            #expect(malformed.status == 400)
            #expect(malformed["status"] as? Int == 400)
        }
    }

    @Test("missing, malformed, forged and expired tokens get 401")
    func badTokens() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            _ = try await c.register("eve@example.com")
            #expect(try await c.call(.get, "/auth/me").status == 401)
            #expect(try await c.call(.get, "/auth/me", token: "not.a.jwt").status == 401)
            let forger = await TokenIssuer(secret: Array(repeating: 9, count: 32))
            #expect(try await c.call(.get, "/auth/me", token: try await forger.issue(userID: 1)).status == 401)
            let expired = await TokenIssuer(secret: Array(repeating: 7, count: 32), lifetime: .seconds(-10))
            #expect(try await c.call(.get, "/auth/me", token: try await expired.issue(userID: 1)).status == 401)
            let valid = await TokenIssuer(secret: Array(repeating: 7, count: 32))
            #expect(try await c.call(.get, "/auth/me", token: try await valid.issue(userID: 1)).status == 200)
        }
    }

    @Test("the auth endpoints are rate limited per client with 429 and Retry-After")
    func rateLimit() async throws {
        var options = APIOptions()
        options.bcryptCost = 4
        options.authRequestsPerMinute = 3
        let h = try await APIHarness(options: options)
        try await h.run { c in
            var statuses: [Int] = []
            for _ in 0..<5 {
                statuses.append(try await c.call(.post, "/auth/login", json: ["email": "x@example.com", "password": "whatever1"]).status)
            }
            #expect(statuses == [401, 401, 401, 429, 429])
            let limited = try await c.call(.post, "/auth/register", json: ["email": "y@example.com", "password": "whatever1"])
            #expect(limited.status == 429)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
            // Other endpoints are not limited.
            #expect(try await c.call(.get, "/healthz").status == 200)
        }
    }

    @Test("bodies over the size limit get 413; unknown routes get a problem 404")
    func limits() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let big = "{\"email\": \"" + String(repeating: "a", count: APIContext.maxBodyBytes + 10) + "\"}"
            let r = try await c.call(.post, "/auth/register", raw: big)
            #expect(r.status == 413)
            #expect(r.headers[.contentType] == "application/problem+json")
            let missing = try await c.call(.get, "/api/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.headers[.contentType] == "application/problem+json")
        }
    }
}
