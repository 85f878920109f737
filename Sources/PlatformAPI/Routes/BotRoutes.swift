import Foundation
import Hummingbird
import Platform
import StrategyRuntime

extension PlatformAPI {
    static let bots = "/api/bots"

    /// The bots (BOTS.md): create (a strategy version + the owner's subscription), preview, list,
    /// show, stop, start, delete, copy. Another user's bot is 404, except copying a public one.
    var botEndpoints: [Endpoint] {
        [
            Endpoint(.post, Self.bots, "Create a bot (a strategy version and your subscription) and start it at the next close",
                     tag: "bots", auth: true, body: "BotCreate",
                     responses: [201: "Bot", 401: "Problem", 404: "Problem", 422: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let desk = try self.botDesk()
                let spec = try await Input.body(BotBody.self, req, ctx).spec()
                let bot = try await desk.create(ownerID: user, spec)
                await self.registry?.invalidate()
                self.listings.invalidate()
                return try JSONBody.response(BotView(try desk.report(ownerID: user, id: bot.id)), status: .created)
            },
            Endpoint(.post, Self.bots + "/preview", "Preview a bot at the newest close (or at price): its orders, capital, liquidation price",
                     tag: "bots", auth: true, body: "BotPreviewRequest",
                     responses: [200: "BotPreview", 401: "Problem", 422: "Problem", 503: "Problem"]) { req, ctx in
                _ = try await self.tokens.user(req)
                let desk = try self.botDesk()
                let body = try await Input.body(BotBody.self, req, ctx)
                let (price, json) = try await desk.preview(try body.spec(), price: body.price)
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"price\":\(price),\"preview\":\(json)}")))
            },
            Endpoint(.get, Self.bots, "Your bots", tag: "bots", auth: true, responses: [200: "BotList", 401: "Problem", 503: "Problem"]) { req, _ in
                let user = try await self.tokens.user(req)
                let desk = try self.botDesk()
                return try JSONBody.response(ItemsView(items: try self.db.bots(ownerID: user).map { BotView(try desk.report(ownerID: user, id: $0.id)) }))
            },
            Endpoint(.get, Self.bots + "/{id}", "One of your bots: status, open orders, realised, unrealised and total P&L, liquidation price",
                     tag: "bots", auth: true, responses: [200: "Bot", 401: "Problem", 404: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                return try JSONBody.response(BotView(try self.botDesk().report(ownerID: user, id: try Input.id(ctx, "id"))))
            },
            Endpoint(.post, Self.bots + "/{id}/stop", "Stop a bot: cancel every order (yours and copiers'); closePosition also sells at market",
                     tag: "bots", auth: true, body: "BotStop",
                     responses: [200: "Bot", 401: "Problem", 404: "Problem", 409: "Problem", 422: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let body = try await Input.body(BotStopBody.self, req, ctx)
                let desk = try self.botDesk()
                _ = try await desk.stop(ownerID: user, id: id, closePosition: body.closePosition ?? false)
                await self.registry?.invalidate()
                return try JSONBody.response(BotView(try desk.report(ownerID: user, id: id)))
            },
            Endpoint(.post, Self.bots + "/{id}/start", "Start a stopped bot again from the next close", tag: "bots", auth: true,
                     responses: [200: "Bot", 401: "Problem", 404: "Problem", 409: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let desk = try self.botDesk()
                _ = try await desk.start(ownerID: user, id: id)
                await self.registry?.invalidate()
                return try JSONBody.response(BotView(try desk.report(ownerID: user, id: id)))
            },
            Endpoint(.delete, Self.bots + "/{id}", "Delete a bot: stop it and cancel every subscription to it; history is kept", tag: "bots",
                     auth: true, responses: [204: nil, 401: "Problem", 404: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                try await self.botDesk().delete(ownerID: user, id: try Input.id(ctx, "id"))
                await self.registry?.invalidate()
                self.listings.invalidate()
                return Response(status: .noContent)
            },
            Endpoint(.post, Self.bots + "/{id}/copy", "Copy a public bot: subscribe with your capital; its orders are mirrored scaled by it",
                     tag: "bots", auth: true, body: "BotCopy",
                     responses: [201: "Subscription", 401: "Problem", 404: "Problem", 409: "Problem", 422: "Problem", 503: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let body = try await Input.body(BotCopyBody.self, req, ctx)
                let subscription = try await self.botDesk().copy(userID: user, id: id, capital: body.capital)
                await self.registry?.invalidate()
                self.listings.invalidate()
                return try JSONBody.response(SubscriptionView(try self.db.subscription(userID: user, id: subscription)), status: .created)
            },
        ]
    }

    /// - Throws: 503 when this API runs without the bots' runtime.
    func botDesk() throws -> BotDesk {
        guard let bots else { throw Problem(.serviceUnavailable, "bots need the strategy runtime; this API runs without it", code: "unavailable") }
        return bots
    }

    static var botSchemas: [String: Any] {
        let int: [String: Any] = ["type": "integer", "format": "int64"]
        let num: [String: Any] = ["type": "number"]
        let str: [String: Any] = ["type": "string"]
        let bool: [String: Any] = ["type": "boolean"]
        func nullable(_ type: String) -> [String: Any] { ["type": [type, "null"]] }
        let create: [String: Any] = [
            "type": ["type": "string", "enum": BotKind.allCases.map(\.rawValue)],
            "symbol": ["type": "string", "pattern": "^[A-Za-z0-9]{2,20}$"],
            "timeframe": ["type": "string", "enum": Timeframe.allCases.map(\.rawValue)],
            "market": ["type": "string", "enum": ["spot", "futures"]],
            "params": ["type": "object", "description": "The bot's parameters (BOTS.md; tradekit.bots.<type>)"],
            "investment": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e12],
            "public": bool,
        ]
        var preview = create
        preview["price"] = ["type": "number", "exclusiveMinimum": 0, "maximum": 1e9, "description": "Default: the newest close"]
        let order: [String: Any] = ["type": "object", "properties": ["id": int, "tag": str, "side": str, "type": str, "qty": num,
                                                                     "limitPrice": num, "stopPrice": num, "status": str, "filled": num],
                                    "required": ["id", "side", "type", "qty", "status"]]
        return [
            "BotCreate": ["type": "object", "properties": create, "required": ["type", "symbol", "timeframe", "params", "investment"]],
            "BotPreviewRequest": ["type": "object", "properties": preview, "required": ["type", "symbol", "timeframe", "params", "investment"]],
            "BotPreview": ["type": "object", "properties": ["price": num, "preview": ["type": "object"]], "required": ["price", "preview"]],
            "BotStop": ["type": "object", "properties": ["closePosition": bool], "required": [String]()],
            "BotCopy": ["type": "object", "properties": ["capital": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e12]],
                        "required": ["capital"]],
            "Bot": ["type": "object",
                    "properties": ["id": int, "type": str, "symbol": str, "timeframe": str, "market": str, "investment": num, "capital": num,
                                   "public": bool, "subscriptionId": int,
                                   "status": ["type": "string", "enum": ["running", "stopped", "ended", "deleted"]],
                                   "endedReason": nullable("string"), "profitCurrency": str, "realisedProfit": num,
                                   "unrealisedPnl": nullable("number"), "totalPnl": num, "roundTrips": int, "deals": int, "fees": num,
                                   "liquidationPrice": nullable("number"), "openOrders": ["type": "array", "items": order],
                                   "createdAt": int],
                    "required": ["id", "type", "symbol", "timeframe", "market", "investment", "status", "realisedProfit", "totalPnl", "openOrders"]],
            "BotList": ["type": "object", "properties": ["items": ["type": "array", "items": ["$ref": "#/components/schemas/Bot"]]],
                        "required": ["items"]],
        ]
    }
}

/// `POST /api/bots` and `/api/bots/preview`.
struct BotBody: Decodable {
    var type: String
    var symbol: String
    var timeframe: String
    var market: String?
    var params: JSONValue
    var investment: Double
    var `public`: Bool?
    /// Preview only: the start price (default: the newest close).
    var price: Double?

    func spec() throws -> BotSpec {
        let kind = try BotKind(parsing: type)
        guard let tf = Timeframe(rawValue: timeframe) else {
            throw Problem(.unprocessableContent, "timeframe must be one of \(Timeframe.allCases.map(\.rawValue).joined(separator: ", "))",
                          field: "timeframe", code: "invalid-input")
        }
        var kindOfMarket: MarketKind?
        if let market {
            guard let m = MarketKind(rawValue: market) else {
                throw Problem(.unprocessableContent, "market must be spot or futures", field: "market", code: "invalid-input")
            }
            kindOfMarket = m
        }
        guard case .object = params else { throw Problem(.unprocessableContent, "params must be a JSON object", field: "params", code: "invalid-input") }
        return try BotSpec(kind: kind, symbol: symbol, timeframe: tf, market: kindOfMarket, params: params.jsonText, investment: investment,
                           isPublic: self.public ?? false)
    }
}

struct BotStopBody: Decodable {
    var closePosition: Bool?
}

struct BotCopyBody: Decodable {
    var capital: Double
}

/// A bot as the API shows it to its owner.
struct BotView: Encodable {
    struct OrderView: Encodable {
        var id: Int64
        var tag: String?
        var side: String
        var type: String
        var qty: Double
        var limitPrice: Double?
        var stopPrice: Double?
        var status: String
        var filled: Double
    }

    var id: Int64
    var type: String
    var symbol: String
    var timeframe: String
    var market: String
    var investment: Double
    var capital: Double
    var `public`: Bool
    var subscriptionId: Int64
    var status: String
    var endedReason: String?
    var profitCurrency: String
    var realisedProfit: Double
    var unrealisedPnl: Double?
    var totalPnl: Double
    var roundTrips: Int
    var deals: Int
    var fees: Double
    var liquidationPrice: Double?
    var openOrders: [OrderView]
    var createdAt: Int64

    init(_ r: BotReport) {
        id = r.bot.id
        type = r.bot.kind.rawValue
        symbol = r.bot.symbol
        timeframe = r.bot.timeframe.rawValue
        market = r.bot.market.rawValue
        investment = r.bot.investment
        capital = r.bot.capital
        self.public = r.bot.isPublic
        subscriptionId = r.bot.subscriptionID
        status = r.state
        endedReason = r.status.endedReason
        profitCurrency = r.status.currency
        realisedProfit = r.status.realised
        unrealisedPnl = r.unrealisedPnl
        totalPnl = r.totalPnl
        roundTrips = r.status.roundTrips
        deals = r.status.deals
        fees = r.status.fees
        liquidationPrice = r.liquidationPrice
        openOrders = r.openOrders.map {
            OrderView(id: $0.id, tag: $0.tag, side: $0.side, type: $0.type, qty: $0.qty, limitPrice: $0.limitPrice, stopPrice: $0.stopPrice,
                      status: $0.status, filled: $0.filled)
        }
        createdAt = r.bot.createdAt
    }

    /// Nil optionals are written as null, so the document's nullable fields are always present.
    func encode(to encoder: any Encoder) throws {
        enum K: String, CodingKey {
            case id, type, symbol, timeframe, market, investment, capital, `public`, subscriptionId, status, endedReason, profitCurrency
            case realisedProfit, unrealisedPnl, totalPnl, roundTrips, deals, fees, liquidationPrice, openOrders, createdAt
        }
        var c = encoder.container(keyedBy: K.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(market, forKey: .market)
        try c.encode(investment, forKey: .investment)
        try c.encode(capital, forKey: .capital)
        try c.encode(self.public, forKey: .public)
        try c.encode(subscriptionId, forKey: .subscriptionId)
        try c.encode(status, forKey: .status)
        try c.encode(endedReason, forKey: .endedReason)
        try c.encode(profitCurrency, forKey: .profitCurrency)
        try c.encode(realisedProfit, forKey: .realisedProfit)
        try c.encode(unrealisedPnl, forKey: .unrealisedPnl)
        try c.encode(totalPnl, forKey: .totalPnl)
        try c.encode(roundTrips, forKey: .roundTrips)
        try c.encode(deals, forKey: .deals)
        try c.encode(fees, forKey: .fees)
        try c.encode(liquidationPrice, forKey: .liquidationPrice)
        try c.encode(openOrders, forKey: .openOrders)
        try c.encode(createdAt, forKey: .createdAt)
    }
}
