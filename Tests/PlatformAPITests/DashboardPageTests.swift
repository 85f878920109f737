import Foundation
import HTTPTypes
import Hummingbird
@testable import Platform
@testable import PlatformAPI
import Testing

/// The dashboard's pages through the router: HTML, cookies, CSRF defences, scoping by user, the
/// event stream with the session cookie.
@Suite("Dashboard pages", .serialized)
struct DashboardPageTests {
    @Test("pages are HTML with a strict CSP; the first visit gets an HttpOnly, SameSite=Strict CSRF cookie")
    func pagesAreHTML() async throws {
        try await APIHarness().runDashboard { page in
            let root = try await page.get("/")
            #expect(root.status == 303 && root.location == "/strategies")
            let csrf = try #require(root.setCookies.first { $0.hasPrefix("tradectl_csrf=") })
            #expect(csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict") && csrf.contains("Path=/"))
            let list = try await page.get("/strategies")
            #expect(!list.setCookies.contains { $0.hasPrefix("tradectl_csrf=") }, "the token stays for the session")
            #expect(list.status == 200)
            #expect(list.headers[.contentType] == "text/html; charset=utf-8")
            #expect(list.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(list.headers[.cacheControl] == "no-store")
            #expect(list.headers[HTTPField.Name("Server-Timing")!]?.hasPrefix("page;dur=") == true)
            #expect(list.text.contains("<h1>Strategies</h1>") && list.text.contains("0 strategies."))
            #expect(!list.text.contains("<script>"), "no inline script")
        }
    }

    @Test("sign-up sets the API's token as an HttpOnly, SameSite=Strict session cookie; pages then know the user")
    func signUpSession() async throws {
        try await APIHarness().runDashboard { page in
            try await page.signUp("ada@example.com", name: "Ada")
            let cookie = try #require(page.cookies["tradectl_session"])
            #expect(cookie.split(separator: ".").count == 3, "a JWT")
            let subs = try await page.get("/subscriptions")
            #expect(subs.status == 200 && subs.text.contains("Your subscriptions") && subs.text.contains(">Ada</span>"))
            let out = try await page.post("/logout", [:])
            #expect(out.status == 303 && out.setCookies.contains { $0.hasPrefix("tradectl_session=;") && $0.contains("Max-Age=0") })
            #expect(try await page.get("/subscriptions").location == "/login?next=%2Fsubscriptions")
        }
    }

    @Test("a form post without the CSRF token, with another one, from another origin or another site is refused and changes nothing")
    func csrfDefences() async throws {
        let harness = try await APIHarness()
        try await harness.runDashboard { page in
            try await page.get("/signup")
            let form = ["email": "eve@example.com", "password": "correct horse"]
            #expect(try await page.post("/signup", form, csrf: "").status == 403)
            #expect(try await page.post("/signup", form, csrf: String(repeating: "x", count: 43)).status == 403)
            #expect(try await page.post("/signup", form, headers: [.origin: "http://evil.example"]).status == 403)
            #expect(try await page.post("/signup", form, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]).status == 403)
            #expect(try harness.db.login(email: "eve@example.com") == nil, "no refused post created the account")
            let ok = try await page.post("/signup", form, headers: [HTTPField.Name("Sec-Fetch-Site")!: "same-origin"])
            #expect(ok.status == 303)
            #expect(try harness.db.login(email: "eve@example.com") != nil)
        }
    }

    @Test("a broken upload comes back with the load error and its line marked in the editor; nothing is stored")
    func brokenUpload() async throws {
        let harness = try await APIHarness()
        try await harness.runDashboard { page in
            try await page.signUp("author@example.com")
            let broken = "def main(data):\n    x = 1\n    return {\"action\": \"BUY\"\n"
            let r = try await page.post("/strategies/new", ["name": "broken", "source": broken, "symbols": "BTCUSDT", "timeframe": "1m",
                                                            "lookback": "20", "params": "{}", "kind": "code"])
            #expect(r.status == 422)
            #expect(r.text.contains("role=\"alert\"") && r.text.contains("(load)"))
            let marked = r.text.components(separatedBy: "data-error-line=\"").dropFirst().first?.prefix { $0.isNumber } ?? ""
            let line = try #require(Int(marked), "no line marked")
            #expect((2...4).contains(line), "the error names line \(line)")
            #expect(r.text.contains("Not saved (load): line \(line)"))
            // The JSON API returns the same line in its problem.
            let token = try #require(page.cookies["tradectl_session"])
            let api = try await page.client.execute(uri: PlatformAPI.strategies, method: .post,
                                                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: [
                                                        "name": "broken", "source": broken, "symbols": ["BTCUSDT"], "timeframe": "1m"]))) { r in r }
            let problem = try JSONSerialization.jsonObject(with: Data(api.body.readableBytesView)) as? [String: Any]
            #expect(api.status == .unprocessableContent && problem?["code"] as? String == "load" && problem?["field"] as? String == "source")
            #expect((problem?["line"] as? NSNumber)?.intValue == line, "\(problem ?? [:])")
            #expect(r.text.contains("return {&quot;action&quot;: &quot;BUY&quot;"), "the code is kept in the editor, escaped")
            #expect(try harness.db.strategyPage(limit: 10, offset: 0).total == 0)
            let bad = try await page.post("/strategies/new", ["name": "x", "source": "def main(d):\n    return None\n", "symbols": "BTCUSDT",
                                                              "timeframe": "1m", "lookback": "many", "params": "{}"])
            #expect(bad.status == 422 && bad.text.contains("lookback must be a whole number"))
        }
    }

    @Test("upload, subscribe, pause, resume and cancel through the pages; the API sees each change")
    func subscriptionLifecycle() async throws {
        let harness = try await APIHarness()
        try await harness.runDashboard { page in
            try await page.signUp("sub@example.com")
            let strategy = try await page.upload(name: "Momentum")
            let detail = try await page.get("/strategies/\(strategy)")
            #expect(detail.status == 200 && detail.text.contains("<svg class=\"chart equity\""))
            let sub = try await page.subscribe(strategy)
            let user = try #require(try harness.db.login(email: "sub@example.com")?.user.id)
            #expect(try harness.db.subscription(userID: user, id: sub).terms.riskPerTrade == 0.02)
            for (verb, status) in [("pause", SubscriptionStatus.paused), ("resume", .active), ("cancel", .cancelled)] {
                let r = try await page.post("/subscriptions/\(sub)/\(verb)", [:])
                #expect(r.status == 303 && r.location?.hasPrefix("/subscriptions/\(sub)?notice=") == true)
                #expect(try harness.db.subscription(userID: user, id: sub).status == status)
            }
            let paper = try await page.get("/subscriptions/\(sub)")
            #expect(!paper.text.contains("data-section=\"live\""), "a paper subscription has no live section")
            try harness.db.recordFindings([(subscriptionID: sub, userID: user, disagreement: "the exchange holds 0.5 BTC, the account 0.4",
                                            resolution: "adopted the exchange's balance")], adoptions: [])
            let found = try await page.get("/subscriptions/\(sub)")
            #expect(found.text.contains("data-section=\"live\""))
            #expect(found.text.contains("the exchange holds 0.5 BTC, the account 0.4") && found.text.contains("Nothing sent to the exchange yet"),
                    "reconciliation's finding is shown")
            let shown = try await page.get("/subscriptions/\(sub)?notice=cancelled")
            #expect(shown.text.contains("Subscription cancelled") && shown.text.contains("data-status>cancelled"))
            let again = try await page.post("/subscriptions/\(sub)/resume", [:])
            #expect(again.status == 409, "a cancelled subscription stays cancelled, as in the API")
        }
    }

    @Test("a second user sees none of the first user's subscriptions or credentials, and cannot change them")
    func scopedByUser() async throws {
        let harness = try await APIHarness()
        try await harness.runDashboard { first in
            try await first.signUp("first@example.com", name: "First")
            let strategy = try await first.upload(name: "Owned")
            let sub = try await first.subscribe(strategy)
            let added = try await first.post("/credentials", ["broker": "binance", "label": "first-main", "apiKey": "FIRSTKEY-123456789",
                                                              "apiSecret": "first-secret"])
            #expect(added.status == 303)
            let mine = try await first.get("/credentials")
            #expect(mine.text.contains("first-main") && !mine.text.contains("FIRSTKEY") && !mine.text.contains("first-secret"))

            first.forget("tradectl_session")
            try await first.signUp("second@example.com")
            let secrets = ["first-main", "FIRSTKEY", "first-secret", "first@example.com", "••••6789"]
            for path in ["/subscriptions", "/credentials", "/strategies", "/strategies/\(strategy)", "/subscriptions/\(sub)",
                         "/strategies/\(strategy)/edit"] {
                let r = try await first.get(path)
                for s in secrets { #expect(!r.text.contains(s), "\(path) shows \(s)") }
                if path == "/subscriptions/\(sub)" { #expect(r.status == 404) }
                if path.hasSuffix("/edit") { #expect(r.status == 403) }
            }
            #expect(try await first.post("/subscriptions/\(sub)/pause", [:]).status == 404)
            let owner = try #require(try harness.db.login(email: "first@example.com")?.user.id)
            #expect(try harness.db.subscription(userID: owner, id: sub).status == .active)
            let credential = try #require(try harness.db.credentials(userID: owner).first?.id)
            #expect(try await first.post("/credentials/\(credential)/delete", [:]).status == 404)
            #expect(try harness.db.credentials(userID: owner).count == 1)
        }
    }

    @Test("the event stream takes the session cookie (EventSource cannot send a header), and nothing else from a page")
    func streamWithCookie() async throws {
        try await APIHarness().runDashboard { page in
            #expect(try await page.get("/api/stream?seconds=1").status == 401)
            try await page.signUp("stream@example.com")
            let r = try await page.get("/api/stream?seconds=1")
            #expect(r.status == 200 && r.headers[.contentType] == "text/event-stream")
            #expect(r.text.hasPrefix(": tradectl stream for user "))
            #expect(try await page.get("/api/strategies/subscriptions").status == 401, "the JSON API still wants a bearer token")
        }
    }

    @Test("missing pages are HTML for browsers and problem+json for API clients; assets are cached by version")
    func notFoundAndAssets() async throws {
        try await APIHarness().runDashboard { page in
            let html = try await page.get("/no-such-page")
            #expect(html.status == 404 && html.headers[.contentType]?.hasPrefix("text/html") == true && html.text.contains("404"))
            let json = try await page.get("/no-such-page", headers: [.accept: "application/json"])
            #expect(json.status == 404 && json.headers[.contentType] == "application/problem+json")
            let store = AssetStore()
            let css = try #require(store.files["app.css"])
            let fresh = try await page.get("/assets/app.css?v=\(css.hash)")
            #expect(fresh.status == 200 && fresh.headers[.cacheControl]?.contains("immutable") == true && fresh.text.contains("--bg"))
            #expect(try await page.get("/assets/app.css").headers[.cacheControl] == "no-cache")
            #expect(try await page.get("/assets/app.css", headers: [.ifNoneMatch: "\"\(css.hash)\""]).status == 304)
            #expect(try await page.get("/assets/nothing.js").status == 404)
        }
    }

    @Test("a login link only leads to a path on this site")
    func localPaths() {
        #expect(Dashboard.localPath("/subscriptions/3") == "/subscriptions/3")
        #expect(Dashboard.localPath("%2Fsubscriptions") == "/subscriptions")
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "%2F%2Fevil.example", "evil", nil] {
            #expect(Dashboard.localPath(bad) == nil, "\(bad ?? "nil")")
        }
    }
}
