import Hummingbird
import Platform

extension PlatformAPI {
    static let subscriptions = "/api/strategies/subscriptions"

    var subscriptionEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/api/strategies/{strategyId}/subscribe", "Subscribe to a strategy with your own sizing", tag: "subscriptions",
                     auth: true, body: "Subscribe",
                     responses: [201: "Subscription", 401: "Problem", 404: "Problem", 409: "Problem", 422: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let strategy = try Input.id(ctx, "strategyId")
                let body = try await Input.body(SubscribeBody.self, req, ctx)
                let terms = try SubscriptionTerms(capital: body.capital, riskPerTrade: body.riskPerTrade, leverage: body.leverage ?? 1,
                                                  allowShort: body.allowShort ?? true, market: body.market ?? .futures)
                let id = try self.db.subscribe(userID: user, strategyID: strategy, terms: terms, brokerCredentialID: body.brokerCredentialId,
                                               quotas: self.options.quotas)
                await self.registry?.invalidate()
                self.listings.invalidate()
                return try JSONBody.response(SubscriptionView(try self.db.subscription(userID: user, id: id)), status: .created)
            },
            Endpoint(.get, Self.subscriptions, "Your subscriptions", tag: "subscriptions", auth: true,
                     responses: [200: "SubscriptionList", 401: "Problem"]) { req, _ in
                let user = try await self.tokens.user(req)
                return try JSONBody.response(ItemsView(items: try self.db.subscriptions(userID: user).map(SubscriptionView.init)))
            },
            Endpoint(.get, Self.subscriptions + "/{id}", "One of your subscriptions", tag: "subscriptions", auth: true,
                     responses: [200: "Subscription", 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                return try JSONBody.response(SubscriptionView(try self.db.subscription(userID: user, id: try Input.id(ctx, "id"))))
            },
            Endpoint(.get, Self.subscriptions + "/{id}/stats", "Trades, win rate, P&L, return, drawdown and profit factor",
                     tag: "subscriptions", auth: true, responses: [200: "Stats", 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let sub = try self.db.subscription(userID: user, id: id)
                let s = try self.db.stats(userID: user, subscriptionID: id)
                return try JSONBody.response(StatsView(subscriptionId: id, status: sub.status, trades: s.trades, winRate: s.winRate,
                                                       realisedPnl: s.realisedPnl, unrealisedPnl: s.unrealisedPnl, returnPct: s.returnPct,
                                                       maxDrawdownPct: s.maxDrawdownPct, profitFactor: s.profitFactor))
            },
            Endpoint(.get, Self.subscriptions + "/{id}/live", "Live trading: every order sent to the exchange with its answer, and what start-up reconciliation found and did",
                     tag: "subscriptions", auth: true, responses: [200: "LiveActivity", 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let sub = try self.db.subscription(userID: user, id: id)
                return try JSONBody.response(LiveActivityView(subscriptionId: id, credentialId: sub.brokerCredentialID,
                                                              orders: try self.db.liveOrders(userID: user, subscriptionID: id).map(LiveOrderView.init),
                                                              findings: try self.db.liveFindings(userID: user, subscriptionID: id).map(LiveFindingView.init)))
            },
            statusEndpoint(.post, Self.subscriptions + "/{id}/pause", "Pause: no new orders, stops included", to: .paused),
            statusEndpoint(.post, Self.subscriptions + "/{id}/resume", "Resume a paused subscription", to: .active),
            statusEndpoint(.delete, Self.subscriptions + "/{id}", "Cancel (final); the history is kept", to: .cancelled),
            paged(Self.subscriptions + "/{id}/positions", "Positions (trades) of one of your subscriptions",
                  tag: "subscriptions", schema: "PositionPage") { db, user, id, limit, offset in
                try db.positions(userID: user, subscriptionID: id, limit: limit, offset: offset)
            },
        ]
    }

    private func statusEndpoint(_ method: HTTPRequest.Method, _ path: String, _ summary: String, to status: SubscriptionStatus) -> Endpoint {
        Endpoint(method, path, summary, tag: "subscriptions", auth: true,
                 responses: [200: "Subscription", 401: "Problem", 404: "Problem", 409: "Problem"]) { req, ctx in
            let user = try await self.tokens.user(req)
            let id = try Input.id(ctx, "id")
            try self.db.setStatus(userID: user, subscriptionID: id, to: status)
            await self.registry?.invalidate()
            self.listings.invalidate()
            return try JSONBody.response(SubscriptionView(try self.db.subscription(userID: user, id: id)))
        }
    }
}

struct ItemsView<Item: Encodable>: Encodable {
    var items: [Item]
}
