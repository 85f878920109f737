import Foundation
import Platform
import StrategyRuntime

extension ExchangeSimulator {
    static func coindcxError(_ status: Int, _ message: String) -> Reply {
        Reply.json(status, ["code": status, "message": message, "status": "error"])
    }

    /// CoinDCX: public GETs, and private POSTs of a JSON body signed over its raw bytes.
    func coindcx(method: String, path: String, query: String, body: [UInt8], apiKey: String?, signature: String?, now: Int64) -> Reply {
        switch (method, path) {
        case ("GET", "/exchange/v1/markets_details"): return marketsDetails()
        case ("GET", "/market_data/candles"): return coindcxCandles(Self.form(query), now: now)
        case ("POST", _): break
        default: return Self.coindcxError(404, "Not found")
        }
        guard let key = apiKey, let account = ledger.withLock({ $0.accounts[key] }) else {
            ledger.withLock { $0.stats.unknownKeys += 1 }
            return Self.coindcxError(401, "Invalid credentials")
        }
        guard ledger.withLock({ $0.admitCoinDCX(apiKey: key, now: now) }) else {
            return Reply.json(429, ["code": 429, "message": "Too Many Requests", "status": "error"], headers: [("Retry-After", "1")])
        }
        guard let signature, Self.hmacHex(account.secret, body) == signature.lowercased() else {
            ledger.withLock { $0.stats.signatureFailures += 1 }
            return Self.coindcxError(401, "Invalid signature")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return Self.coindcxError(400, "Invalid Request")
        }
        guard let ts = (json["timestamp"] as? NSNumber)?.int64Value, abs(now - ts) <= ledger.withLock({ $0.limits.coindcxToleranceMs }) else {
            ledger.withLock { $0.stats.timestampFailures += 1 }
            return Self.coindcxError(400, "Invalid timestamp: outside the allowed window")
        }
        switch path {
        case "/exchange/v1/users/balances":
            let balances = ledger.withLock { $0.balances(.coindcx, apiKey: key) }
            return Reply.json(200, balances.map { ["currency": $0.asset, "balance": $0.free, "locked_balance": $0.locked] as [String: Any] })
        case "/exchange/v1/orders/create": return coindcxCreate(json, account: account, now: now)
        case "/exchange/v1/orders/status":
            guard let r = coindcxFind(json, apiKey: key) else { return Self.coindcxError(404, "Order not found") }
            return Reply.json(200, coindcxOrder(r))
        case "/exchange/v1/orders/cancel":
            guard let r = coindcxFind(json, apiKey: key) else { return Self.coindcxError(404, "Order not found") }
            guard ledger.withLock({ $0.cancel(.coindcx, apiKey: key, symbol: r.symbol, clientID: r.clientID, now: now) }) != nil else {
                return Self.coindcxError(400, "This order cannot be cancelled")
            }
            return Reply.json(200, ["message": "success", "status": 200, "code": 200])
        case "/exchange/v1/orders/active_orders":
            let market = json["market"] as? String ?? ""
            let open = orders(apiKey: key, venue: .coindcx).filter { !$0.order.state.isTerminal && $0.symbol == market }
            return Reply.json(200, ["orders": open.map(coindcxOrder)])
        default:
            return Self.coindcxError(404, "Not found")
        }
    }

    func marketsDetails() -> Reply {
        let markets = ledger.withLock { $0.markets.values.sorted { $0.symbol < $1.symbol } }
        func precision(_ step: Double) -> Int { step > 0 ? max(0, Int((-log10(step)).rounded())) : 8 }
        return Reply.json(200, markets.map { m -> [String: Any] in
            let r = m.spotRules
            return ["coindcx_name": m.symbol, "symbol": m.symbol, "pair": m.pair, "ecode": "B", "base_currency_short_name": m.quote,
                    "target_currency_short_name": m.base, "target_currency_name": m.base, "base_currency_name": m.quote,
                    "min_quantity": r.minQuantity, "max_quantity": 9000.0, "max_quantity_market": 1000.0, "min_price": r.tickSize,
                    "max_price": 1_000_000.0, "min_notional": r.minNotional, "base_currency_precision": precision(r.tickSize),
                    "target_currency_precision": precision(r.lotStep), "step": r.lotStep,
                    "order_types": ["market_order", "limit_order"], "bo_sl_safety_percent": NSNull(), "max_leverage": NSNull(),
                    "max_leverage_short": NSNull(), "status": "active"]
        })
    }

    /// Candles up to the one forming now, NEWEST FIRST, as CoinDCX sends them.
    func coindcxCandles(_ params: [String: String], now: Int64) -> Reply {
        guard let pair = params["pair"], let m = ledger.withLock({ $0.markets.values.first { $0.pair == pair } }) else {
            return Self.coindcxError(400, "Invalid pair")
        }
        guard params["interval"] == m.timeframe.rawValue else { return Self.coindcxError(400, "Invalid interval") }
        let limit = min(1_000, max(1, Int(params["limit"] ?? "") ?? 500))
        let start = params["startTime"].flatMap(Int64.init), end = params["endTime"].flatMap(Int64.init)
        let bars = m.bars.filter { $0.time <= now && (start == nil || $0.time >= start!) && (end == nil || $0.time <= end!) }.suffix(limit)
        return Reply.json(200, bars.reversed().map { b in
            ["open": b.open, "high": b.high, "low": b.low, "volume": 10.0, "close": b.close, "time": b.time] as [String: Any]
        })
    }

    func coindcxCreate(_ json: [String: Any], account: SimAccount, now: Int64) -> Reply {
        guard let side = json["side"] as? String, let kind = json["order_type"] as? String, let market = json["market"] as? String,
              let quantity = (json["total_quantity"] as? NSNumber)?.doubleValue else {
            return Self.coindcxError(400, "Invalid Request")
        }
        let type: OrderType
        switch kind {
        case "market_order": type = .market
        case "limit_order": type = .limit
        default: return Self.coindcxError(400, "Invalid order type")
        }
        let price = (json["price_per_unit"] as? NSNumber)?.doubleValue
        if type == .limit, price == nil { return Self.coindcxError(400, "price_per_unit is required for limit orders") }
        let clientID = json["client_order_id"] as? String
        if let c = clientID, c.count > 36 { return Self.coindcxError(400, "client_order_id must be at most 36 characters") }
        let quote = ledger.withLock { $0.markets[market]?.quote } ?? "USDT"
        let minNotional = ledger.withLock { $0.markets[market]?.spotRules.minNotional } ?? 0
        let result = ledger.withLock { l in
            Result { () throws(SimReject) -> SimOrderRecord in
                try l.place(.coindcx, apiKey: account.apiKey, symbol: market, clientID: clientID, side: side == "sell" ? .sell : .buy, type: type,
                            quantity: quantity, price: price, stopPrice: nil, reduceOnly: false, now: now)
            }
        }
        switch result {
        case .success(let r): return Reply.json(200, ["orders": [coindcxOrder(r)]])
        case .failure(let e):
            switch e {
            case .filter("NOTIONAL"): return Self.coindcxError(400, "Minimum order value should be \(minNotional) \(quote)")
            case .filter("PRICE_FILTER"): return Self.coindcxError(400, "Price precision exceeded")
            case .filter: return Self.coindcxError(400, "Quantity precision exceeded or below the minimum quantity")
            case .insufficient: return Self.coindcxError(422, "Insufficient funds")
            case .duplicate: return Self.coindcxError(400, "Duplicate client_order_id")
            case .unknownSymbol: return Self.coindcxError(400, "Invalid market")
            case .reduceOnly, .illegal: return Self.coindcxError(400, "Invalid Request")
            }
        }
    }

    func coindcxFind(_ json: [String: Any], apiKey: String) -> SimOrderRecord? {
        let all = orders(apiKey: apiKey, venue: .coindcx)
        if let id = json["id"] as? String { return all.first { $0.uuid == id } }
        if let cid = json["client_order_id"] as? String { return all.last { $0.clientID == cid } }
        return nil
    }

    func coindcxOrder(_ r: SimOrderRecord) -> [String: Any] {
        let o = r.order
        let status: String = switch o.state {
        case .new: "open"
        case .partiallyFilled: "partially_filled"
        case .filled: "filled"
        case .cancelled, .expired: "cancelled"
        case .rejected: "rejected"
        }
        return ["id": r.uuid, "client_order_id": r.clientID, "market": r.symbol, "order_type": o.type == .market ? "market_order" : "limit_order",
                "side": o.side == .buy ? "buy" : "sell", "status": status, "fee_amount": o.fees, "fee": 0.1, "total_quantity": o.quantity,
                "remaining_quantity": o.remaining, "avg_price": o.averagePrice, "price_per_unit": o.price ?? 0, "created_at": r.createdAt,
                "updated_at": r.createdAt]
    }
}
