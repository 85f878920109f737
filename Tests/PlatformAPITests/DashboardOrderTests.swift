import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
@testable import PlatformAPI
import Testing

/// The order level on a subscription's page: the market chosen on the subscribe form, the futures
/// position with its liquidation price, the orders with type and state, and the fills.
@Suite("Dashboard: order level")
struct DashboardOrderTests {
    @Test("a futures subscription at 10x shows its long with entry, margin and liquidation price, its market order and its fill")
    func futuresAccountOnThePage() async throws {
        let harness = try await APIHarness()
        try await harness.runDashboard { page in
            // The author makes a webhook strategy through the JSON API.
            let registered = try await page.client.execute(uri: "/auth/register", method: .post, headers: [.contentType: "application/json"],
                                                           body: ByteBuffer(string: #"{"email":"tv@example.com","password":"correct horse"}"#)) {
                String(buffer: $0.body)
            }
            let token = try #require((try JSONSerialization.jsonObject(with: Data(registered.utf8)) as? [String: Any])?["token"] as? String)
            let created = try await page.client.execute(uri: PlatformAPI.strategies, method: .post,
                                                        headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                                                        body: ByteBuffer(string: #"{"name":"tv","kind":"webhook","symbols":["BTCUSDT"],"timeframe":"1m"}"#)) {
                String(buffer: $0.body)
            }
            let strategy = try #require(try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])
            let id = try #require((strategy["id"] as? NSNumber)?.int64Value)
            let hook = try #require(strategy["webhookToken"] as? String)

            try await page.signUp("trader@example.com")
            let form = try await page.get("/strategies/\(id)/subscribe")
            #expect(form.text.contains(#"<select id="market" name="market""#))
            let r = try await page.post("/strategies/\(id)/subscribe", ["capital": "1000", "riskPercent": "100", "leverage": "10", "market": "futures"])
            #expect(r.status == 303, "\(r.text.prefix(400))")
            let sub = try #require(Int64(r.location?.split(separator: "/").last?.split(separator: "?").first ?? ""))
            let alert = try await page.client.execute(uri: "/webhooks/\(hook)", method: .post, headers: [.contentType: "application/json"],
                                                      body: ByteBuffer(string: #"{"action":"buy","symbol":"BTCUSDT","price":100}"#)) { $0.status }
            #expect(alert == .accepted)

            let shown = try await page.get("/subscriptions/\(sub)")
            #expect(shown.status == 200)
            let html = shown.text
            #expect(html.contains("· futures ·"), "the market in the header")
            // A long at 100 with a tenth of its notional as margin (10x; the size leaves room for the
            // fee), MMR 0.005: LP = (Q·100 − Q·10) / (Q·0.995) = 90.45 whatever Q.
            let trader = try #require(try harness.db.login(email: "trader@example.com")?.user.id)
            let account = try #require(try harness.db.accounts(userID: trader, subscriptionID: sub).first)
            #expect(html.contains("<dd>long \(Format.qty(account.positionQty)) @ 100.00 · 10×</dd>"), "\(html)")
            #expect(html.contains("<dt>Margin</dt><dd>\(Format.money(account.margin))</dd>") && abs(account.margin - account.positionQty * 10) < 1e-6)
            #expect(html.contains("<dd data-liquidation>90.45</dd>"))
            #expect(html.contains(#"<table data-table="orders">"#) && html.contains("<td>market <small>"))
            #expect(html.contains(#"<table data-table="fills">"#) && html.contains("<td>taker</td>"))

            // A spot subscriber of another strategy sees balances and no position.
            page.forget("tradectl_session")
            try await page.signUp("spot@example.com")
            let spot = try await page.post("/strategies/\(id)/subscribe", ["capital": "1000", "riskPercent": "1", "leverage": "1", "market": "spot"])
            let spotID = try #require(Int64(spot.location?.split(separator: "/").last?.split(separator: "?").first ?? ""))
            let user = try #require(try harness.db.login(email: "spot@example.com")?.user.id)
            #expect(try harness.db.subscription(userID: user, id: spotID).terms.market == .spot)
            let empty = try await page.get("/subscriptions/\(spotID)")
            #expect(empty.text.contains("· spot ·") && empty.text.contains("No account yet") && empty.text.contains("No fill yet"))
        }
    }
}
