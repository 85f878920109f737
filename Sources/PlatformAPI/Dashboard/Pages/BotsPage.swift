import Foundation
import Hummingbird
import Platform
import StrategyRuntime

/// The bots' pages: the signed-in user's bots with the create form (preview, then create), one
/// bot's page with its stop / start / delete forms, and other users' public bots with a copy form.
/// Every change goes through the JSON API (`APIBridge`), so through the same `BotDesk` code,
/// validation, scoping and problems as `/api/bots`.
extension Dashboard {
    var botRoutes: [Route] {
        [
            page(.get, "/bots", auth: false) { req in
                try await self.botsPage(req, form: nil)
            },
            page(.post, "/bots") { req in
                try await self.createBot(req)
            },
            page(.get, "/bots/{id}") { req in
                try await self.botPage(req, id: try req.id("id"))
            },
            page(.post, "/bots/{id}/copy") { req in
                let id = try req.id("id")
                let capital = Double((req.form.text("capital") ?? "").replacingOccurrences(of: ",", with: ""))
                var reply: APIBridge.Reply?
                if let capital {
                    reply = try await self.bridge.call(.post, PlatformAPI.bots + "/\(id)/copy", token: req.session.token,
                                                       body: ["capital": capital], context: req.context)
                    if let reply, reply.ok, let sub = reply.id { return Self.redirect("/subscriptions/\(sub)?notice=subscribed") }
                }
                let error = reply?.problem?.detail ?? "capital must be a number"
                return try await self.botPage(req, id: id, copyError: error, status: .init(code: reply?.status ?? 422))
            },
            botAction("stop", notice: "bot-stopped") { req in ["closePosition": req.form.flag("closePosition")] },
            botAction("start", notice: "bot-started") { _ in nil },
            page(.post, "/bots/{id}/delete") { req in
                let id = try req.id("id")
                let reply = try await self.bridge.call(.delete, PlatformAPI.bots + "/\(id)", token: req.session.token, context: req.context)
                guard reply.ok else { throw Problem(.init(code: reply.status), reply.problem?.detail ?? "could not delete the bot") }
                return Self.redirect("/bots?notice=bot-deleted")
            },
        ]
    }

    /// A form post that stops or starts one of the user's bots through the API, then shows it.
    private func botAction(_ verb: String, notice: String, body: @escaping @Sendable (PageRequest) -> [String: Any]?) -> Route {
        page(.post, "/bots/{id}/" + verb) { req in
            let id = try req.id("id")
            let reply = try await self.bridge.call(.post, PlatformAPI.bots + "/\(id)/" + verb, token: req.session.token, body: body(req),
                                                   context: req.context)
            guard reply.ok else { throw Problem(.init(code: reply.status), reply.problem?.detail ?? "could not \(verb) the bot") }
            return Self.redirect("/bots/\(id)?notice=" + notice)
        }
    }

    /// The create form's post: `action=preview` shows what the bot would do and creates nothing;
    /// `action=create` creates and starts it.
    private func createBot(_ req: PageRequest) async throws -> Response {
        let form = BotForm(req.form)
        let preview = req.form["action"] == "preview"
        guard let body = form.body else {
            return try await botsPage(req, form: form, error: form.problem, status: .unprocessableContent)
        }
        let reply = try await bridge.call(.post, PlatformAPI.bots + (preview ? "/preview" : ""), token: req.session.token, body: body,
                                          context: req.context)
        if reply.ok, preview {
            return try await botsPage(req, form: form, preview: reply.json)
        }
        if reply.ok, let id = reply.id { return Self.redirect("/bots/\(id)?notice=bot-created") }
        let problem = (field: reply.problem?.field ?? "form", detail: reply.problem?.detail ?? "could not create the bot")
        return try await botsPage(req, form: form, error: problem, status: .init(code: reply.status))
    }

    /// The bots page: for a signed-in user their bots and the create form (with a preview or an
    /// error); for everyone the bot kinds and other users' public bots.
    private func botsPage(_ req: PageRequest, form: BotForm?, preview: [String: Any]? = nil,
                          error: (field: String, detail: String)? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        var content: [String: Any] = ["kinds": Self.botKinds.map { ["name": $0.1, "summary": $0.2] }, "enabled": api.bots != nil]
        if req.session.signedIn, let desk = api.bots {
            let bots = try db.bots(ownerID: req.user)
            content["bots"] = try bots.map { try botRow(desk.report(ownerID: req.user, id: $0.id)) }
            content["noBots"] = bots.isEmpty
            let own = ["type", "symbol", "timeframe", "market", "investment", "form"]
            content["form"] = try await formView(form ?? BotForm.initial, desk: desk, invalidParam: error.flatMap { own.contains($0.field) ? nil : $0.field })
        }
        content["publicBots"] = try publicBots(except: req.session.user)
        if let preview { content["preview"] = previewView(preview) }
        if let error {
            // The bot's own fields (lower, levels, …) are marked in its parameter set; others
            // (rules.tick_size, params) are named in the message.
            let input = ["type", "symbol", "timeframe", "market", "investment"].contains(error.field) ? error.field : "params"
            content["error"] = error.detail.hasPrefix(error.field) ? error.detail : "\(error.field): \(error.detail)"
            content["errorName"] = error.field
            content["errorField"] = [input: true]
        }
        return try html("bots", content, req, title: "Bots", section: "bots", status: status)
    }

    /// One bot's page: the owner's view, or a public bot of another user with the copy form.
    private func botPage(_ req: PageRequest, id: Int64, copyError: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let desk = try api.botDesk()
        do {
            let report = try desk.report(ownerID: req.user, id: id)
            var content = botRow(report)
            content["orders"] = report.openOrders.map(orderRow)
            content["noOrders"] = report.openOrders.isEmpty
            let fills = try db.fills(userID: req.user, subscriptionID: report.bot.subscriptionID, limit: 50, offset: 0)
            content["fills"] = fills.items.map(fillRow)
            content["fillsTotal"] = fills.total
            content["noFills"] = fills.items.isEmpty
            content["params"] = try db.strategyVersions(strategyID: id).last.map { Self.prettyJSON($0.spec.params) } ?? ""
            content["owner"] = true
            return try html("bot", content, req, title: content["title"] as? String ?? "Bot", section: "bots", status: status)
        } catch let e as PlatformError where e.code == .notFound {
            let bot = try db.publicBot(id: id)
            var content = publicRow(bot, owner: try db.userNames(ids: [bot.ownerID])[bot.ownerID] ?? "user \(bot.ownerID)")
            content["capital"] = req.form.text("capital") ?? Format.qty(bot.capital)
            content["copyError"] = copyError ?? ""
            return try html("bot", content, req, title: content["title"] as? String ?? "Bot", section: "bots", status: status)
        }
    }
}
