import Foundation
import Hummingbird
import Platform
import StrategyRuntime

extension Dashboard {
    static let subscriptionPageSize = 25

    var subscriptionRoutes: [Route] {
        [
            page(.get, "/strategies/{id}/subscribe") { req in
                let s = try self.db.strategySummary(id: try req.id("id"), viewer: req.user)
                return try self.html("subscribe", try self.subscribeView(s, req, fields: [:]), req, title: "Subscribe to \(s.name)",
                                     section: "strategies")
            },
            page(.post, "/strategies/{id}/subscribe") { req in
                let s = try self.db.strategySummary(id: try req.id("id"), viewer: req.user)
                let (body, local) = Self.subscribeBody(req.form)
                var reply: APIBridge.Reply?
                if local == nil {
                    reply = try await self.bridge.call(.post, "/api/strategies/\(s.id)/subscribe", token: req.session.token, body: body,
                                                       context: req.context)
                    if let reply, reply.ok, let id = reply.id { return Self.redirect("/subscriptions/\(id)?notice=subscribed") }
                }
                var view = try self.subscribeView(s, req, fields: req.form.fields)
                let field = local?.field ?? reply?.problem?.field ?? "form"
                view["error"] = local?.detail ?? reply?.problem?.detail ?? "could not subscribe"
                view["errorField"] = [field == "riskPerTrade" ? "riskPercent" : field: true]
                return try self.html("subscribe", view, req, title: "Subscribe to \(s.name)", section: "strategies",
                                     status: .init(code: reply?.status ?? 422))
            },
            page(.get, "/subscriptions") { req in
                try self.html("subscriptions", try self.subscriptionList(req), req, title: "Your subscriptions", section: "subscriptions")
            },
            page(.get, "/subscriptions/{id}") { req in
                let content = try await self.subscriptionDetail(req)
                return try self.html("subscription", content, req, title: content["title"] as? String ?? "Subscription",
                                     section: "subscriptions", live: true)
            },
            statusRoute("pause", method: .post, path: "/pause", notice: "paused"),
            statusRoute("resume", method: .post, path: "/resume", notice: "resumed"),
            statusRoute("cancel", method: .delete, path: "", notice: "cancelled"),
        ]
    }

    /// A form post that changes a subscription's status through the API, then shows it again.
    private func statusRoute(_ verb: String, method: HTTPRequest.Method, path: String, notice: String) -> Route {
        page(.post, "/subscriptions/{id}/" + verb) { req in
            let id = try req.id("id")
            let reply = try await self.bridge.call(method, PlatformAPI.subscriptions + "/\(id)" + path, token: req.session.token, context: req.context)
            guard reply.ok else { throw Problem(.init(code: reply.status), reply.problem?.detail ?? "could not \(verb)") }
            let back = Self.localPath(req.form["return"]).map { $0.split(separator: "?").first.map(String.init) ?? $0 } ?? "/subscriptions/\(id)"
            return Self.redirect(back + "?notice=" + notice)
        }
    }

    func subscribeView(_ s: StrategySummary, _ req: PageRequest, fields: [String: String]) throws -> [String: Any] {
        let chosen = fields["brokerCredentialId"] ?? ""
        return [
            "id": s.id, "name": s.name, "symbols": s.version.spec.symbols.joined(separator: ", "), "timeframe": s.version.spec.timeframe.rawValue,
            "capital": fields["capital"] ?? "10000", "riskPercent": fields["riskPercent"] ?? "1", "leverage": fields["leverage"] ?? "1",
            "allowShort": fields.isEmpty ? true : fields["allowShort"] != nil, "spot": fields["market"] == "spot",
            "credentials": try db.credentials(userID: req.user).map { c -> [String: Any] in
                ["id": c.id, "label": c.label, "broker": c.broker, "hint": c.hint, "selected": c.id == chosen]
            },
        ]
    }

    /// The API body of a subscribe form (risk per trade is entered in percent).
    static func subscribeBody(_ form: FormData) -> (body: [String: Any], error: (field: String, detail: String)?) {
        var body: [String: Any] = ["allowShort": form.flag("allowShort")]
        for (field, name) in [("capital", "capital"), ("riskPercent", "risk per trade"), ("leverage", "leverage")] {
            guard let v = Double((form[field] ?? "").trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")) else {
                return (body, (field, "\(name) must be a number"))
            }
            body[field == "riskPercent" ? "riskPerTrade" : field] = field == "riskPercent" ? v / 100 : v
        }
        if let c = form.text("brokerCredentialId") { body["brokerCredentialId"] = c }
        if let m = form.text("market") { body["market"] = m }
        return (body, nil)
    }

    func subscriptionList(_ req: PageRequest) throws -> [String: Any] {
        let all = try db.subscriptions(userID: req.user).reversed()
        let size = Self.subscriptionPageSize
        let pages = max(1, (all.count + size - 1) / size)
        let pageNumber = max(1, min(Int(req.query("page") ?? "") ?? 1, pages))
        let shown = Array(all.dropFirst((pageNumber - 1) * size).prefix(size))
        let names = try db.strategyNames(ids: Set(shown.map(\.strategyID)))
        let rows = try shown.map { sub -> [String: Any] in
            var row = subscriptionRow(sub, name: names[sub.strategyID]?.name ?? "strategy \(sub.strategyID)")
            row["stats"] = statsView(try db.stats(userID: req.user, subscriptionID: sub.id))
            return row
        }
        return ["rows": rows, "empty": all.isEmpty, "total": all.count, "page": pageNumber, "pages": pages,
                "prev": pageNumber > 1 ? "/subscriptions?page=\(pageNumber - 1)" : "",
                "next": pageNumber < pages ? "/subscriptions?page=\(pageNumber + 1)" : ""]
    }

    func subscriptionRow(_ sub: StoredSubscription, name: String) -> [String: Any] {
        ["id": sub.id, "strategyId": sub.strategyID, "strategy": name, "status": sub.status.rawValue,
         "active": sub.status == .active, "paused": sub.status == .paused, "cancelled": sub.status == .cancelled,
         "capital": Format.money(sub.terms.capital), "risk": Format.pct(sub.terms.riskPerTrade * 100),
         "leverage": Format.qty(sub.terms.leverage) + "×", "allowShort": sub.terms.allowShort,
         "credential": sub.brokerCredentialID ?? "", "created": Format.time(sub.createdAt)]
    }

    func subscriptionDetail(_ req: PageRequest) async throws -> [String: Any] {
        let sub = try db.subscription(userID: req.user, id: try req.id("id"))
        let strategy = try? db.strategySummary(id: sub.strategyID)
        let name = try db.strategyNames(ids: [sub.strategyID])[sub.strategyID]?.name ?? "strategy \(sub.strategyID)"
        var content = subscriptionRow(sub, name: name)
        content["title"] = "\(name) · subscription \(sub.id)"
        content["strategyLive"] = strategy != nil
        let stats = try db.stats(userID: req.user, subscriptionID: sub.id)
        content["stats"] = statsView(stats)
        let orders = try db.orders(userID: req.user, subscriptionID: sub.id, open: nil, limit: 50, offset: 0)
        content["orders"] = orders.items.map(orderRow)
        content["ordersTotal"] = orders.total
        content["noOrders"] = orders.items.isEmpty
        let positions = try db.positions(userID: req.user, subscriptionID: sub.id, limit: 50, offset: 0)
        content["positions"] = positions.items.map(positionRow)
        content["positionsTotal"] = positions.total
        content["noPositions"] = positions.items.isEmpty
        content.merge(try orderLevelView(sub, user: req.user)) { _, new in new }
        content.merge(try liveTradingView(sub, user: req.user)) { _, new in new }
        let signals = try db.signals(viewerID: req.user, strategyID: sub.strategyID, limit: 20, offset: 0)
        content["signals"] = signals.items.map(signalRow)
        content["noSignals"] = signals.items.isEmpty
        if let strategy, let symbol = strategy.version.spec.symbols.first {
            let bars = try await recentBars(symbol: symbol, timeframe: strategy.version.spec.timeframe)
            let trades = try db.trades(userID: req.user, subscriptionID: sub.id)
            let open = try db.openPosition(userID: req.user, subscriptionID: sub.id, symbol: symbol)
            let curve = EquityCurve.build(capital: sub.terms.capital, trades: trades, open: open, bars: bars)
            content["symbol"] = symbol
            content["candleChart"] = CandleChart(id: "cc", bars: bars, markers: CandleChart.markers(trades: trades, open: open),
                                                 title: "\(symbol) \(strategy.version.spec.timeframe.rawValue) candles with this subscription's entries and exits").render()
            content["equityChart"] = EquityChart(id: "eq", curve: curve, capital: sub.terms.capital,
                                                 title: "Equity and drawdown of this subscription").render()
        }
        return content
    }

    /// What a live subscription sent to its exchange and what start-up reconciliation found:
    /// shown when it trades live or has ever had either.
    func liveTradingView(_ sub: StoredSubscription, user: Int64) throws -> [String: Any] {
        let orders = try db.liveOrders(userID: user, subscriptionID: sub.id)
        let findings = try db.liveFindings(userID: user, subscriptionID: sub.id)
        guard sub.brokerCredentialID != nil || !orders.isEmpty || !findings.isEmpty else { return [:] }
        let newest = orders.suffix(50).reversed().map { o -> [String: Any] in
            ["orderNo": o.orderNo, "kind": o.kind, "clientId": o.clientID, "outcome": o.outcome, "status": o.status,
             "exchangeState": o.exchangeState ?? "", "message": o.message ?? ""]
        }
        let found = findings.suffix(50).reversed().map { f -> [String: Any] in
            ["time": Format.time(f.time), "disagreement": f.disagreement, "resolution": f.resolution]
        }
        return ["liveTrading": ["liveOrders": newest, "liveOrdersTotal": orders.count, "noLiveOrders": orders.isEmpty,
                                "findings": found, "noFindings": findings.isEmpty] as [String: Any]]
    }

    func orderRow(_ o: OrderEntry) -> [String: Any] {
        // A resting limit or stop shows its own price; a fill its average price.
        let at = o.type == "limit" ? o.limitPrice : o.type == "stop" ? o.stopPrice : nil
        return ["id": o.id, "time": Format.time(o.candleTime), "symbol": o.symbol, "side": o.side, "qty": Format.qty(o.qty),
                "price": o.filled > 0 || at == nil ? Format.price(o.price) : "@ " + Format.price(at ?? 0), "fee": Format.money(o.fee),
                "purpose": o.purpose, "status": o.status, "reason": o.reason ?? "", "type": o.type, "tag": o.tag ?? ""]
    }

    func positionRow(_ p: PositionEntry) -> [String: Any] {
        ["id": p.id, "symbol": p.symbol, "side": p.side, "qty": Format.qty(p.qty), "entry": Format.price(p.entryPrice),
         "entryTime": Format.time(p.entryTime), "status": p.status, "exit": p.exitPrice.map(Format.price) ?? "–",
         "exitTime": p.exitTime.map(Format.time) ?? "–", "pnl": p.pnl.map(Format.signedMoney) ?? "–", "tone": Format.tone(p.pnl ?? 0),
         "reason": p.exitReason ?? ""]
    }
}
