import Foundation
import Platform
@testable import PlatformAPI
import StrategyRuntime
import Testing

/// The bots' pages through the router: preview then create through the form, the owner's list
/// and page with stop / start / delete, copying another user's public bot, CSRF and scoping.
@Suite("Dashboard: bots", .serialized)
struct DashboardBotTests {
    static let gridParams = #"{"lower": 92, "upper": 108, "levels": 9}"#

    /// A harness whose bots start at candle 20 of `BotRouteTests.waves` (a close of 108).
    static func harness() async throws -> APIHarness {
        let candles = BotRouteTests.waves(40)
        let clock = VirtualClock(virtualStart: candles.times[20] + 60_001, wallStart: VirtualClock.wallNow(), speed: 0)
        let h = try await APIHarness(clock: clock)
        try h.db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
        _ = try h.db.importCandles(candles)
        return h
    }

    static func form(_ action: String, params: String = gridParams, investment: String = "1000", isPublic: Bool = true) -> [String: String] {
        var form = ["action": action, "type": "grid", "symbol": "BTCUSDT", "timeframe": "1m", "market": "", "params": params,
                    "investment": investment]
        if isPublic { form["public"] = "on" }
        return form
    }

    /// The form as a browser posts it: the chosen bot's parameter fields, no JSON.
    static func fieldsForm(_ action: String, _ fields: [String: String], type: String = "grid", investment: String = "1000") -> [String: String] {
        var form = ["action": action, "type": type, "symbol": "BTCUSDT", "timeframe": "1m", "market": "", "investment": investment]
        for (name, value) in fields { form["p.\(type).\(name)"] = value }
        return form
    }

    @Test("preview shows the orders and creates nothing; create starts the bot; the owner stops, starts and deletes it; CSRF is checked")
    func ownerLifecycle() async throws {
        let h = try await Self.harness()
        try await h.runDashboard { page in
            try await page.signUp("ada@example.com", name: "Ada")
            let ada = try #require(try h.db.login(email: "ada@example.com")?.user.id)
            let empty = try await page.get("/bots")
            #expect(empty.status == 200 && empty.text.contains("data-bot-form") && empty.text.contains("data-empty=\"bots\""))

            let preview = try await page.post("/bots", Self.form("preview"))
            #expect(preview.status == 200 && preview.text.contains("data-preview"), "\(preview.text.prefix(600))")
            // At the close of 108 (the top line) the grid rests 8 limit buys below it.
            #expect(preview.text.contains("Preview at 108.00") && preview.text.contains("8 initial orders"))
            #expect(try h.db.bots(ownerID: ada).isEmpty, "a preview creates nothing")

            #expect(try await page.post("/bots", Self.form("create"), csrf: "").status == 403)
            #expect(try h.db.bots(ownerID: ada).isEmpty, "a post without the CSRF token creates nothing")
            let created = try await page.post("/bots", Self.form("create"))
            #expect(created.status == 303, "\(created.text.prefix(600))")
            let id = try #require(try h.db.bots(ownerID: ada).first?.id)
            #expect(created.location == "/bots/\(id)?notice=bot-created")
            let list = try await page.get("/bots")
            #expect(list.text.contains("data-bot=\"\(id)\"") && list.text.contains("href=\"/bots/\(id)\""))
            let shown = try await page.get("/bots/\(id)")
            #expect(shown.status == 200 && shown.text.contains("action=\"/bots/\(id)/stop\"") && shown.text.contains("&quot;levels&quot; : 9"))

            // The scheduler's part: the bot's closes 2…19; its page then shows its orders, fills and round trips.
            let candles = BotRouteTests.waves(40)
            let version = try #require(try h.db.strategyVersions(strategyID: id).last)
            let loaded = LoadedVersion(version: version, strategy: try await h.host.load(StrategySource(id: "bot", code: version.spec.source)))
            let coordinator = try Coordinator(db: h.db, host: h.host)
            for end in 2..<20 { _ = try await coordinator.execute(loaded, frame: try h.host.frame(candles.window(endingAt: end, lookback: 2))) }
            let report = try #require(h.api.bots).report(ownerID: ada, id: id)
            #expect(!report.openOrders.isEmpty && report.status.roundTrips > 0)
            let running = try await page.get("/bots/\(id)")
            #expect(running.text.components(separatedBy: "<tr><td>").count - 1 >= report.openOrders.count + 1, "open orders and fills are rows")
            #expect(!running.text.contains("data-empty=\"orders\"") && !running.text.contains("data-empty=\"fills\""))
            #expect(running.text.contains("<dt>Round trips</dt><dd>\(report.status.roundTrips)</dd>"))
            #expect(try await page.get("/bots").text.contains("<dt>Open orders</dt><dd>\(report.openOrders.count)</dd>"))

            #expect(try await page.post("/bots/\(id)/stop", ["closePosition": "on"], csrf: "").status == 403)
            #expect(try h.db.bot(ownerID: ada, id: id).status == .running, "a stop without the CSRF token changes nothing")
            let stopped = try await page.post("/bots/\(id)/stop", ["closePosition": "on"])
            #expect(stopped.status == 303 && stopped.location == "/bots/\(id)?notice=bot-stopped")
            let record = try h.db.bot(ownerID: ada, id: id)
            #expect(record.status == .stopped && record.closedPosition)
            let after = try await page.get("/bots/\(id)")
            #expect(after.text.contains("action=\"/bots/\(id)/start\"") && after.text.contains("data-empty=\"orders\""), "the stop cancelled every order")
            #expect(try await page.post("/bots/\(id)/start", [:]).status == 303)
            #expect(try h.db.bot(ownerID: ada, id: id).status == .running)
            #expect(try await page.post("/bots/\(id)/delete", [:]).location == "/bots?notice=bot-deleted")
            #expect(try h.db.bots(ownerID: ada).isEmpty)
        }
    }

    @Test("a user sees only their own bots; another user may open and copy a public bot but not stop it, and a private one is 404")
    func scopedByUser() async throws {
        let h = try await Self.harness()
        try await h.runDashboard { ada in
            try await ada.signUp("ada@example.com", name: "Ada")
            #expect(try await ada.post("/bots", Self.form("create")).status == 303)
            #expect(try await ada.post("/bots", Self.form("create", isPublic: false)).status == 303)
            let owner = try #require(try h.db.login(email: "ada@example.com")?.user.id)
            let bots = try h.db.bots(ownerID: owner)
            let shared = try #require(bots.first { $0.isPublic }?.id), hidden = try #require(bots.first { !$0.isPublic }?.id)

            let bob = PageClient(client: ada.client)
            try await bob.signUp("bob@example.com", name: "Bob")
            let list = try await bob.get("/bots")
            #expect(!list.text.contains("data-bot=\""), "bob has no bot of his own")
            #expect(list.text.contains("href=\"/bots/\(shared)\"") && !list.text.contains("href=\"/bots/\(hidden)\""))
            let open = try await bob.get("/bots/\(shared)")
            #expect(open.status == 200 && open.text.contains("action=\"/bots/\(shared)/copy\"") && !open.text.contains("/stop\""))
            #expect(try await bob.get("/bots/\(hidden)").status == 404)
            #expect(try await bob.post("/bots/\(shared)/stop", [:]).status == 404)
            #expect(try await bob.post("/bots/\(shared)/delete", [:]).status == 404)
            #expect(try h.db.bot(ownerID: owner, id: shared).status == .running)
            #expect(try await bob.post("/bots/\(hidden)/copy", ["capital": "500"]).status == 404)
            let refused = try await bob.post("/bots/\(shared)/copy", ["capital": "lots"])
            #expect(refused.status == 422 && refused.text.contains("capital must be a number"))
            let copied = try await bob.post("/bots/\(shared)/copy", ["capital": "500"])
            #expect(copied.status == 303, "\(copied.text.prefix(600))")
            let bobID = try #require(try h.db.login(email: "bob@example.com")?.user.id)
            let sub = try #require(Int64(copied.location?.split(separator: "/").last?.split(separator: "?").first ?? ""))
            #expect(try h.db.subscription(userID: bobID, id: sub).terms.capital == 500)
            #expect(try h.db.bots(ownerID: bobID).isEmpty)
        }
    }

    @Test("a preview or create with a bad field shows that field's error, marks its input and creates nothing")
    func badFields() async throws {
        let h = try await Self.harness()
        try await h.runDashboard { page in
            try await page.signUp("ada@example.com")
            let ada = try #require(try h.db.login(email: "ada@example.com")?.user.id)
            let fine = try await page.post("/bots", Self.fieldsForm("preview", ["lower": "92", "upper": "108", "levels": "9", "spacing": "geometric"]))
            #expect(fine.status == 200 && fine.text.contains("data-preview"), "the fields make the params: \(fine.text.prefix(800))")
            let levels = try await page.post("/bots", Self.fieldsForm("preview", ["lower": "92", "upper": "108", "levels": "300"]))
            #expect(levels.status == 422 && levels.text.contains("data-field=\"levels\"") && levels.text.contains("levels"),
                    "\(levels.text.prefix(800))")
            #expect(levels.text.contains("name=\"p.grid.levels\" inputmode=\"decimal\" value=\"300\" aria-invalid=\"true\""),
                    "the bot's own field is marked, with the value as posted")
            #expect(!levels.text.contains("data-preview"))
            let word = try await page.post("/bots", Self.fieldsForm("preview", ["lower": "92", "upper": "108", "levels": "many"]))
            #expect(word.status == 422 && word.text.contains("data-field=\"levels\"") && word.text.contains("Levels must be a whole number"),
                    "\(word.text.prefix(800))")
            let small = try await page.post("/bots", Self.form("create", investment: "30"))
            #expect(small.status == 422 && small.text.contains("data-field=\"investment\""))
            #expect(small.text.contains("name=\"investment\" inputmode=\"decimal\" required value=\"30\" aria-invalid=\"true\""))
            let json = try await page.post("/bots", Self.form("create", params: "{lower: 92"))
            #expect(json.status == 422 && json.text.contains("data-field=\"params\"") && json.text.contains("params must be a JSON object"))
            #expect(try h.db.bots(ownerID: ada).isEmpty)
            #expect(try h.db.strategyPage(limit: 10, offset: 0).total == 0, "no strategy was created either")
        }
    }

    @Test("a futures DCA preview shows its margin, maximum position and liquidation price; its card shows the liquidation price")
    func futuresPreview() async throws {
        let h = try await Self.harness()
        try await h.runDashboard { page in
            try await page.signUp("ada@example.com")
            let params = Dashboard.exampleParams(.dcaFutures, price: 108).params
            var form = Self.form("preview", params: params)
            form["type"] = "dca_futures"
            let preview = try await page.post("/bots", form)
            #expect(preview.status == 200, "\(preview.text.prefix(800))")
            #expect(preview.text.contains("<dt>Liquidation price</dt>") && preview.text.contains("<dt>Margin</dt>")
                    && preview.text.contains("<dt>Max position</dt>"), "\(preview.text)")
            form["action"] = "create"
            #expect(try await page.post("/bots", form).status == 303)
            let list = try await page.get("/bots")
            #expect(list.text.contains("<dt>Liquidation</dt>") && list.text.contains("<dt>Deals</dt>"))
        }
    }
}
