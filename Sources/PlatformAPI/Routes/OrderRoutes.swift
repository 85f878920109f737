import Hummingbird
import Platform

/// The order level of a subscription (ORDERS.md): its orders, open or past, each with its
/// transitions; its fills; its accounts. Every route reads scoped by the token's user: another
/// user's subscription is a 404.
extension PlatformAPI {
    var orderEndpoints: [Endpoint] {
        [
            Endpoint(.get, Self.subscriptions + "/{id}/orders",
                     "Orders of one of your subscriptions, newest first: open (new, partially filled), past (filled, cancelled, rejected, expired) or all, with state and reason",
                     tag: "orders", auth: true, query: ["state", "limit", "offset"],
                     responses: [200: "OrderPage", 401: "Problem", 404: "Problem", 422: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let (limit, offset) = try Input.paging(req)
                let open = try Self.orderState(req)
                return try JSONBody.response(PageView(try self.db.orders(userID: user, subscriptionID: try Input.id(ctx, "id"), open: open,
                                                                         limit: limit, offset: offset)) { $0 })
            },
            Endpoint(.get, Self.subscriptions + "/{id}/orders/{orderId}", "One order of one of your subscriptions, with every state change, its time and reason",
                     tag: "orders", auth: true, responses: [200: "OrderDetail", 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let order = try self.db.order(userID: user, subscriptionID: id, id: try Input.id(ctx, "orderId"))
                let transitions = try order.orderNo.map {
                    try self.db.orderTransitions(userID: user, subscriptionID: id, symbol: order.symbol, orderNo: $0)
                } ?? []
                return try JSONBody.response(OrderDetailView(order: order, transitions: transitions))
            },
            paged(Self.subscriptions + "/{id}/fills", "Fills of one of your subscriptions, newest first (liquidations among them)",
                  tag: "orders", schema: "FillPage") { db, user, id, limit, offset in
                try db.fills(userID: user, subscriptionID: id, limit: limit, offset: offset)
            },
            Endpoint(.get, Self.subscriptions + "/{id}/account",
                     "The accounts of one of your subscriptions: spot balances (free, reserved) or the futures position with entry, leverage, margin and liquidation price",
                     tag: "orders", auth: true, responses: [200: "Accounts", 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let sub = try self.db.subscription(userID: user, id: id)
                return try JSONBody.response(AccountsView(subscriptionId: id, market: sub.terms.market, leverage: sub.terms.leverage,
                                                          accounts: try self.db.accounts(userID: user, subscriptionID: id).map(SubscriptionAccountView.init)))
            },
        ]
    }

    /// `state`: `open` (true), `past` (false) or `all` (nil, the default).
    static func orderState(_ req: Request) throws -> Bool? {
        switch req.uri.queryParameters["state"].map(String.init) {
        case nil, "all": return nil
        case "open": return true
        case "past": return false
        case let other?:
            throw Problem(.unprocessableContent, "state must be open, past or all, got '\(other.prefix(40))'", field: "state", code: "invalid-input")
        }
    }
}
