import Foundation
import Platform
import StrategyRuntime

extension ExchangeSimulator {
    static func binanceError(_ status: Int, _ code: Int, _ msg: String, headers: [(String, String)] = []) -> Reply {
        Reply.json(status, ["code": code, "msg": msg], headers: headers)
    }

    /// Binance spot and USDⓈ-M.
    func binance(method: String, path: String, query: String, body: [UInt8], apiKey: String?, now: Int64) -> Reply {
        let futures = path.hasPrefix("/fapi/")
        let venue: SimVenue = futures ? .futures : .spot
        let endpoint = path.split(separator: "/").dropFirst(2).joined(separator: "/")  // after /api/v3 or /fapi/v1
        let bodyText = String(decoding: body, as: UTF8.self)
        var params = Self.form(bodyText)
        for (k, v) in Self.form(query) { params[k] = v }
        let signed = ["order", "openOrders", "algoOrder", "openAlgoOrders", "account", "balance", "positionRisk", "leverage", "leverageBracket", "marginType", "allOrders", "myTrades"].contains(endpoint)
        let weight: Int = switch endpoint {
        case "exchangeInfo": futures ? 1 : 20
        case "klines": futures ? 5 : 2
        case "account", "balance", "positionRisk": futures ? 5 : 20
        case "openOrders": futures ? 1 : 6
        case "order": method == "GET" && !futures ? 4 : 1
        default: 1
        }
        let placing = (endpoint == "order" || endpoint == "algoOrder") && method == "POST"
        if signed, apiKey == nil || ledger.withLock({ $0.accounts[apiKey!] == nil }) {
            ledger.withLock { $0.stats.unknownKeys += 1 }
            return Self.binanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        }
        if let limited = ledger.withLock({ $0.admitBinance(weight: weight, orderFor: placing ? apiKey : nil, now: now) }) {
            return Self.binanceError(limited.status, limited.code, limited.msg,
                                     headers: limited.retryAfter.map { [("Retry-After", String($0))] } ?? [])
        }
        var account: SimAccount?
        if signed {
            switch verify(query: query, body: bodyText, params: params, apiKey: apiKey!, now: now) {
            case .failure(let e): return e.reply
            case .success(let a): account = a
            }
        }
        let usage = ledger.withLock { $0.usageHeaders(apiKey: apiKey, now: now) }
        var reply: Reply
        switch (method, endpoint) {
        case ("GET", "ping"): reply = Reply.json(200, [String: Any]())
        case ("GET", "time"): reply = Reply.json(200, ["serverTime": now])
        case ("GET", "exchangeInfo"): reply = exchangeInfo(futures: futures, params: params, now: now)
        case ("GET", "klines"): reply = klines(params: params, now: now, cap: futures ? 1_500 : 1_000)
        case ("POST", "order"): reply = placeOrder(venue, params: params, account: account!, now: now)
        case ("GET", "order"), ("DELETE", "order"): reply = queryOrCancel(venue, method: method, params: params, account: account!, now: now)
        case ("GET", "openOrders"), ("GET", "openAlgoOrders"):
            let symbol = params["symbol"] ?? "", algo = endpoint == "openAlgoOrders"
            let open = orders(apiKey: account!.apiKey, venue: venue).filter {
                !$0.order.state.isTerminal && (symbol.isEmpty || $0.symbol == symbol) && $0.algo == algo
            }
            reply = Reply.json(200, open.map { algo ? algoJSON($0) : orderJSON($0, futures: futures, full: false) })
        case ("POST", "algoOrder") where futures:
            guard params["algoType"] == "CONDITIONAL", params["type"] == "STOP_MARKET" else {
                return Self.binanceError(400, -1116, "Invalid orderType.")
            }
            var p = params
            p["stopPrice"] = params["triggerPrice"]
            p["newClientOrderId"] = params["clientAlgoId"]
            reply = placeOrder(venue, params: p, account: account!, now: now, algo: true)
        case ("GET", "algoOrder") where futures, ("DELETE", "algoOrder") where futures:
            reply = algoQueryOrCancel(method: method, params: params, account: account!, now: now)
        case ("GET", "account") where !futures: reply = spotAccount(account!)
        case ("GET", "account"), ("GET", "balance"): reply = futuresAccount(account!, balanceOnly: endpoint == "balance", now: now)
        case ("GET", "positionRisk"): reply = Reply.json(200, positions(account!, now: now))
        case ("POST", "leverage"):
            let lev = Int(params["leverage"] ?? "") ?? 0
            guard (1...125).contains(lev) else { return Self.binanceError(400, -4028, "Leverage \(lev) is not valid") }
            reply = Reply.json(200, ["leverage": lev, "maxNotionalValue": "1000000", "symbol": params["symbol"] ?? ""])
        case ("GET", "leverageBracket") where futures:
            let symbols = ledger.withLock { $0.markets.keys.sorted() }.filter { params["symbol"] == nil || params["symbol"] == $0 }
            reply = Reply.json(200, symbols.map { s -> [String: Any] in
                let r = ledger.withLock { $0.markets[s]!.futuresRules }
                return ["symbol": s, "brackets": [["bracket": 1, "initialLeverage": 125, "notionalCap": 1_000_000_000, "notionalFloor": 0,
                                                  "maintMarginRatio": r.mmr, "cum": r.cum] as [String: Any]]]
            })
        case ("POST", "marginType"): reply = Self.binanceError(400, -4046, "No need to change margin type.")
        default: reply = Self.binanceError(404, -1000, "Unknown endpoint \(method) \(path)")
        }
        reply.headers += usage
        return reply
    }

    /// Binance's request verification: the signature over the query string followed directly by
    /// the body (the `signature` parameter taken out of whichever holds it), then the timing rule
    /// `timestamp < serverTime + 1000 && serverTime − timestamp <= recvWindow`.
    func verify(query: String, body: String, params: [String: String], apiKey: String, now: Int64) -> Result<SimAccount, ReplyError> {
        func strip(_ s: String) -> (String, String?) {
            var parts = s.split(separator: "&", omittingEmptySubsequences: false).map(String.init)
            guard let i = parts.lastIndex(where: { $0.hasPrefix("signature=") }) else { return (s, nil) }
            let sig = String(parts.remove(at: i).dropFirst("signature=".count))
            return (parts.joined(separator: "&"), sig)
        }
        let (q, qs) = strip(query)
        let (b, bs) = strip(body)
        let account = ledger.withLock { $0.accounts[apiKey]! }
        guard let signature = qs ?? bs, !signature.isEmpty else {
            return .failure(ReplyError(Self.binanceError(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")))
        }
        let expected = Self.hmacHex(account.secret, Array((q + b).utf8))
        guard expected == signature.lowercased() else {
            ledger.withLock { $0.stats.signatureFailures += 1 }
            return .failure(ReplyError(Self.binanceError(400, -1022, "Signature for this request is not valid.")))
        }
        guard let ts = params["timestamp"].flatMap(Int64.init) else {
            return .failure(ReplyError(Self.binanceError(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")))
        }
        let window = params["recvWindow"].flatMap(Int64.init) ?? 5_000
        guard window > 0, window <= 60_000 else {
            return .failure(ReplyError(Self.binanceError(400, -1131, "recvWindow must be less than 60000")))
        }
        guard ts < now + 1_000, now - ts <= window else {
            ledger.withLock { $0.stats.timestampFailures += 1 }
            let msg = ts >= now + 1_000 ? "Timestamp for this request was 1000ms ahead of the server's time."
                : "Timestamp for this request is outside of the recvWindow."
            return .failure(ReplyError(Self.binanceError(400, -1021, msg)))
        }
        return .success(account)
    }

    struct ReplyError: Error {
        let reply: Reply
        init(_ r: Reply) { reply = r }
    }

    func exchangeInfo(futures: Bool, params: [String: String], now: Int64) -> Reply {
        let (markets, limits) = ledger.withLock { l in (l.markets.values.sorted { $0.symbol < $1.symbol }, l.limits) }
        var wanted = markets
        if let s = params["symbol"] {
            wanted = markets.filter { $0.symbol == s }
            if wanted.isEmpty { return Self.binanceError(400, -1121, "Invalid symbol.") }
        }
        let orderInterval: (String, Int64) = limits.orderWindowMs % 60_000 == 0 ? ("MINUTE", limits.orderWindowMs / 60_000) : ("SECOND", limits.orderWindowMs / 1_000)
        let rateLimits: [[String: Any]] = [
            ["rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": limits.weightPerMinute],
            ["rateLimitType": "ORDERS", "interval": orderInterval.0, "intervalNum": orderInterval.1, "limit": limits.ordersPerWindow],
            ["rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": limits.ordersPerDay],
        ]
        let symbols: [[String: Any]] = wanted.map { m in
            let r = futures ? m.futuresRules : m.spotRules
            var filters: [[String: Any]] = [
                ["filterType": "PRICE_FILTER", "minPrice": Self.fmt(r.tickSize), "maxPrice": "1000000.00000000", "tickSize": Self.fmt(r.tickSize)],
                ["filterType": "LOT_SIZE", "minQty": Self.fmt(r.minQuantity), "maxQty": "9000.00000000", "stepSize": Self.fmt(r.lotStep)],
                ["filterType": "MARKET_LOT_SIZE", "minQty": Self.fmt(r.minQuantity), "maxQty": "1000.00000000", "stepSize": Self.fmt(r.lotStep)],
            ]
            if futures {
                filters.append(["filterType": "MIN_NOTIONAL", "notional": Self.fmt(r.minNotional)])
                return ["symbol": m.symbol, "pair": m.symbol, "contractType": "PERPETUAL", "deliveryDate": 4_133_404_800_000 as Int64,
                        "onboardDate": 1_569_398_400_000 as Int64, "status": "TRADING", "maintMarginPercent": "2.5000",
                        "requiredMarginPercent": "5.0000", "baseAsset": m.base, "quoteAsset": m.quote, "marginAsset": m.quote,
                        "pricePrecision": 2, "quantityPrecision": 3, "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
                        "underlyingSubType": [String](), "triggerProtect": "0.0500", "liquidationFee": "0.012500", "marketTakeBound": "0.05",
                        "filters": filters, "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET"],
                        "timeInForce": ["GTC", "IOC", "FOK", "GTX"]]
            }
            filters.append(["filterType": "NOTIONAL", "minNotional": Self.fmt(r.minNotional), "applyMinToMarket": true,
                            "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5])
            return ["symbol": m.symbol, "status": "TRADING", "baseAsset": m.base, "baseAssetPrecision": 8, "quoteAsset": m.quote,
                    "quotePrecision": 8, "quoteAssetPrecision": 8, "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
                    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
                    "icebergAllowed": true, "ocoAllowed": true, "otoAllowed": true, "quoteOrderQtyMarketAllowed": true,
                    "allowTrailingStop": true, "cancelReplaceAllowed": true, "isSpotTradingAllowed": true, "isMarginTradingAllowed": false,
                    "filters": filters, "permissions": [String](), "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                    "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"]]
        }
        var info: [String: Any] = ["timezone": "UTC", "serverTime": now, "rateLimits": rateLimits, "exchangeFilters": [Any](), "symbols": symbols]
        if futures { info["assets"] = [["asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"]] }
        return Reply.json(200, info)
    }

    /// Klines by time: rows up to the candle forming now (whose closeTime lies after the server time).
    func klines(params: [String: String], now: Int64, cap: Int) -> Reply {
        guard let symbol = params["symbol"], let m = ledger.withLock({ $0.markets[symbol] }) else {
            return Self.binanceError(400, -1121, "Invalid symbol.")
        }
        guard let interval = params["interval"], interval == m.timeframe.rawValue else {
            return Self.binanceError(400, -1120, "Invalid interval.")
        }
        let limit = min(cap, max(1, Int(params["limit"] ?? "") ?? 500))
        let start = params["startTime"].flatMap(Int64.init), end = params["endTime"].flatMap(Int64.init)
        let d = m.timeframe.milliseconds
        var bars = m.bars.filter { $0.time <= now && (start == nil || $0.time >= start!) && (end == nil || $0.time <= end!) }
        bars = start != nil ? Array(bars.prefix(limit)) : Array(bars.suffix(limit))
        let rows: [[Any]] = bars.map { b in
            [b.time, Self.fmt(b.open), Self.fmt(b.high), Self.fmt(b.low), Self.fmt(b.close), "10.00000000", b.time + d - 1,
             Self.fmt(10 * b.close), 100, "5.00000000", Self.fmt(5 * b.close), "0"]
        }
        return Reply.json(200, rows)
    }

    func placeOrder(_ venue: SimVenue, params: [String: String], account: SimAccount, now: Int64, algo: Bool = false) -> Reply {
        let futures = venue == .futures
        guard let symbol = params["symbol"], let sideText = params["side"], let typeText = params["type"] else {
            return Self.binanceError(400, -1102, "Mandatory parameter 'symbol', 'side' or 'type' was not sent, was empty/null, or malformed.")
        }
        let side: OrderSide = sideText == "SELL" ? .sell : .buy
        let type: OrderType
        switch typeText {
        case "MARKET": type = .market
        case "LIMIT": type = .limit
        case "STOP_LOSS" where !futures, "STOP_MARKET" where algo: type = .stop
        case "STOP_MARKET", "STOP", "TAKE_PROFIT_MARKET", "TAKE_PROFIT", "TRAILING_STOP_MARKET":
            return Self.binanceError(400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.")
        default: return Self.binanceError(400, -1116, "Invalid orderType.")
        }
        if type == .limit, params["timeInForce"] == nil {
            return Self.binanceError(400, -1102, "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.")
        }
        guard let quantity = params["quantity"].flatMap(Double.init) else {
            return Self.binanceError(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        }
        let price = params["price"].flatMap(Double.init), stop = params["stopPrice"].flatMap(Double.init)
        if type == .limit, price == nil { return Self.binanceError(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.") }
        if type == .stop, stop == nil { return Self.binanceError(400, -1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.") }
        let clientID = params["newClientOrderId"]
        if let c = clientID, c.isEmpty || c.count > 36 || !c.utf8.allSatisfy({ Self.clientIDByte($0) }) {
            return Self.binanceError(400, -1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
        }
        let result = ledger.withLock { l in
            Result { () throws(SimReject) -> SimOrderRecord in
                try l.place(venue, apiKey: account.apiKey, symbol: symbol, clientID: clientID, side: side, type: type, quantity: quantity,
                            price: price, stopPrice: stop, reduceOnly: params["reduceOnly"] == "true", now: now)
            }
        }
        switch result {
        case .success(let r):
            if algo { return Reply.json(200, algoJSON(r)) }
            return Reply.json(200, orderJSON(r, futures: futures, full: !futures && params["newOrderRespType"] != "ACK", placing: true))
        case .failure(let e):
            switch e {
            case .filter(let f) where futures && f == "NOTIONAL":
                return Self.binanceError(400, -4164, "Order's notional must be no smaller than \(futures ? 5 : 0) (unless you choose reduce only).")
            case .filter(let f): return Self.binanceError(400, -1013, "Filter failure: \(f)")
            case .insufficient:
                return futures ? Self.binanceError(400, -2019, "Margin is insufficient.")
                    : Self.binanceError(400, -2010, "Account has insufficient balance for requested action.")
            case .duplicate: return Self.binanceError(400, -2010, "Duplicate order sent.")
            case .reduceOnly: return Self.binanceError(400, -2022, "ReduceOnly Order is rejected.")
            case .unknownSymbol: return Self.binanceError(400, -1121, "Invalid symbol.")
            case .illegal(let what): return Self.binanceError(400, -1100, "Illegal characters found in parameter '\(what)'.")
            }
        }
    }

    static func clientIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x3A || b == 0x2F || b == 0x5F || b == 0x2D
    }

    func queryOrCancel(_ venue: SimVenue, method: String, params: [String: String], account: SimAccount, now: Int64) -> Reply {
        guard let symbol = params["symbol"] else { return Self.binanceError(400, -1102, "Mandatory parameter 'symbol' was not sent.") }
        let futures = venue == .futures
        var record: SimOrderRecord?
        if let cid = params["origClientOrderId"] {
            record = ledger.withLock { $0.order(venue, apiKey: account.apiKey, symbol: symbol, clientID: cid) }
        } else if let id = params["orderId"].flatMap(Int64.init) {
            record = ledger.withLock { $0.orders[id] }.flatMap { $0.apiKey == account.apiKey && $0.venue == venue ? $0 : nil }
        } else {
            return Self.binanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        }
        guard let r = record, !r.algo else {
            return method == "GET" ? Self.binanceError(400, -2013, "Order does not exist.") : Self.binanceError(400, -2011, "Unknown order sent.")
        }
        if method == "GET" { return Reply.json(200, orderJSON(r, futures: futures, full: false)) }
        guard let cancelled = ledger.withLock({ $0.cancel(venue, apiKey: account.apiKey, symbol: symbol, clientID: r.clientID, now: now) }) else {
            return Self.binanceError(400, -2011, "Unknown order sent.")
        }
        var json = orderJSON(cancelled, futures: futures, full: false)
        if !futures {
            json["origClientOrderId"] = cancelled.clientID
            json["clientOrderId"] = "cancel-\(cancelled.exchangeID)"
            json["transactTime"] = now
        }
        return Reply.json(200, json)
    }

    /// `GET|DELETE /fapi/v1/algoOrder` by `clientAlgoId` or `algoId`.
    func algoQueryOrCancel(method: String, params: [String: String], account: SimAccount, now: Int64) -> Reply {
        var record: SimOrderRecord?
        if let cid = params["clientAlgoId"] {
            record = orders(apiKey: account.apiKey, venue: .futures).last { $0.algo && $0.clientID == cid }
        } else if let id = params["algoId"].flatMap(Int64.init) {
            record = ledger.withLock { $0.orders[id] }.flatMap { $0.apiKey == account.apiKey && $0.algo ? $0 : nil }
        } else {
            return Self.binanceError(400, -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!")
        }
        guard let r = record else { return Self.binanceError(400, -2013, "Order does not exist.") }
        if method == "GET" { return Reply.json(200, algoJSON(r)) }
        guard ledger.withLock({ $0.cancel(.futures, apiKey: account.apiKey, symbol: r.symbol, clientID: r.clientID, now: now) }) != nil else {
            return Self.binanceError(400, -2011, "Unknown order sent.")
        }
        return Reply.json(200, ["algoId": r.exchangeID, "clientAlgoId": r.clientID, "code": "200", "msg": "success"])
    }

    /// A conditional (algo) order as the Algo Order API reports it.
    func algoJSON(_ r: SimOrderRecord) -> [String: Any] {
        let o = r.order
        let status: String = switch o.state {
        case .new, .partiallyFilled: "NEW"
        case .filled: "FINISHED"
        case .cancelled: "CANCELED"
        case .rejected: "REJECTED"
        case .expired: "EXPIRED"
        }
        return ["algoId": r.exchangeID, "clientAlgoId": r.clientID, "algoType": "CONDITIONAL", "orderType": "STOP_MARKET",
                "symbol": r.symbol, "side": o.side == .buy ? "BUY" : "SELL", "positionSide": "BOTH", "timeInForce": "GTC",
                "quantity": Self.fmt(o.quantity), "algoStatus": status, "triggerPrice": Self.fmt(o.stopPrice ?? 0), "price": "0.00000000",
                "actualOrderId": o.state == .filled ? String(r.exchangeID) : "", "actualPrice": Self.fmt(o.averagePrice),
                "icebergQuantity": NSNull(), "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": "CONTRACT_PRICE",
                "priceMatch": "NONE", "closePosition": false, "priceProtect": false, "reduceOnly": o.reduceOnly,
                "createTime": r.createdAt, "updateTime": r.createdAt, "triggerTime": o.state == .filled ? r.createdAt : 0, "goodTillDate": 0]
    }

    static func status(_ s: OrderState) -> String {
        switch s {
        case .new: "NEW"
        case .partiallyFilled: "PARTIALLY_FILLED"
        case .filled: "FILLED"
        case .cancelled: "CANCELED"
        case .rejected: "REJECTED"
        case .expired: "EXPIRED"
        }
    }

    func orderJSON(_ r: SimOrderRecord, futures: Bool, full: Bool, placing: Bool = false) -> [String: Any] {
        let o = r.order
        let type = o.type == .market ? "MARKET" : o.type == .limit ? "LIMIT" : futures ? "STOP_MARKET" : "STOP_LOSS"
        let quote = o.filled * o.averagePrice
        let updated = max(r.createdAt, r.fills.last.map { _ in r.createdAt } ?? r.createdAt)
        var j: [String: Any] = ["symbol": r.symbol, "orderId": r.exchangeID, "clientOrderId": r.clientID, "price": Self.fmt(o.price ?? 0),
                                "origQty": Self.fmt(o.quantity), "executedQty": Self.fmt(o.filled), "status": Self.status(o.state),
                                "timeInForce": "GTC", "type": type, "side": o.side == .buy ? "BUY" : "SELL",
                                "stopPrice": Self.fmt(o.stopPrice ?? 0)]
        if futures {
            j["avgPrice"] = Self.fmt(o.averagePrice)
            j["cumQty"] = Self.fmt(o.filled)
            j["cumQuote"] = Self.fmt(quote)
            j["reduceOnly"] = o.reduceOnly
            j["closePosition"] = false
            j["positionSide"] = "BOTH"
            j["origType"] = type
            j["workingType"] = "CONTRACT_PRICE"
            j["priceProtect"] = false
            j["priceMatch"] = "NONE"
            j["selfTradePreventionMode"] = "EXPIRE_MAKER"
            j["goodTillDate"] = 0
            j["updateTime"] = updated
            if !placing { j["time"] = r.createdAt }
        } else {
            j["orderListId"] = -1
            j["cummulativeQuoteQty"] = Self.fmt(quote)
            j["origQuoteOrderQty"] = "0.00000000"
            j["workingTime"] = r.createdAt
            j["selfTradePreventionMode"] = "EXPIRE_MAKER"
            if placing {
                j["transactTime"] = r.createdAt
            } else {
                j["time"] = r.createdAt
                j["updateTime"] = updated
                j["isWorking"] = o.type != .stop
                j["icebergQty"] = "0.00000000"
            }
            if full {
                let quoteAsset = ledger.withLock { $0.markets[r.symbol]?.quote } ?? "USDT"
                j["fills"] = r.fills.enumerated().map { i, f in
                    ["price": Self.fmt(f.price), "qty": Self.fmt(f.quantity), "commission": Self.fmt(f.fee), "commissionAsset": quoteAsset,
                     "tradeId": r.exchangeID * 100 + Int64(i)] as [String: Any]
                }
            }
        }
        return j
    }

    func spotAccount(_ a: SimAccount) -> Reply {
        let balances = ledger.withLock { $0.balances(.spot, apiKey: a.apiKey) }
        return Reply.json(200, [
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": ["maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000", "seller": "0.00000000"],
            "canTrade": true, "canWithdraw": true, "canDeposit": true, "brokered": false, "requireSelfTradePrevention": false,
            "preventSor": false, "updateTime": now(), "accountType": "SPOT", "permissions": ["SPOT"], "uid": 354_937_868,
            "balances": balances.map { ["asset": $0.asset, "free": Self.fmt($0.free), "locked": Self.fmt($0.locked)] },
        ])
    }

    func futuresAccount(_ a: SimAccount, balanceOnly: Bool, now: Int64) -> Reply {
        let books = ledger.withLock { l in l.books.filter { $0.key.venue == .futures && $0.key.apiKey == a.apiKey }.map { ($0.key.symbol, $0.value.book) } }
        var wallet = a.futuresWallet, available = a.futuresWallet
        if let (_, b) = books.first {
            wallet = b.cash
            available = b.account.quoteFree
        }
        let asset: [String: Any] = ["asset": "USDT", "walletBalance": Self.fmt(wallet), "unrealizedProfit": "0.00000000",
                                    "marginBalance": Self.fmt(wallet), "maintMargin": "0.00000000", "initialMargin": Self.fmt(wallet - available),
                                    "positionInitialMargin": Self.fmt(wallet - available), "openOrderInitialMargin": "0.00000000",
                                    "crossWalletBalance": Self.fmt(wallet), "crossUnPnl": "0.00000000", "availableBalance": Self.fmt(available),
                                    "maxWithdrawAmount": Self.fmt(available), "marginAvailable": true, "updateTime": now]
        if balanceOnly {
            var b = asset
            b["accountAlias"] = "SgsR"
            b["balance"] = Self.fmt(wallet)
            return Reply.json(200, [b])
        }
        return Reply.json(200, [
            "totalInitialMargin": Self.fmt(wallet - available), "totalMaintMargin": "0.00000000", "totalWalletBalance": Self.fmt(wallet),
            "totalUnrealizedProfit": "0.00000000", "totalMarginBalance": Self.fmt(wallet), "totalPositionInitialMargin": Self.fmt(wallet - available),
            "totalOpenOrderInitialMargin": "0.00000000", "totalCrossWalletBalance": Self.fmt(wallet), "totalCrossUnPnl": "0.00000000",
            "availableBalance": Self.fmt(available), "maxWithdrawAmount": Self.fmt(available), "assets": [asset],
            "positions": positions(a, now: now),
        ])
    }

    func positions(_ a: SimAccount, now: Int64) -> [[String: Any]] {
        let books = ledger.withLock { l in l.books.filter { $0.key.venue == .futures && $0.key.apiKey == a.apiKey }.map { ($0.key.symbol, $0.value.book) } }
        return books.sorted { $0.0 < $1.0 }.map { symbol, b in
            let p = b.account.position
            let mark = ledger.withLock { $0.current(symbol)?.close } ?? p.entryPrice
            return ["symbol": symbol, "positionSide": "BOTH", "positionAmt": Self.fmt(p.quantity), "entryPrice": Self.fmt(p.entryPrice),
                    "breakEvenPrice": Self.fmt(p.entryPrice), "markPrice": Self.fmt(mark), "unRealizedProfit": Self.fmt(p.unrealised(at: mark)),
                    "liquidationPrice": Self.fmt(p.liquidationPrice), "isolatedMargin": Self.fmt(p.margin), "notional": Self.fmt(p.quantity * mark),
                    "marginAsset": "USDT", "isolatedWallet": Self.fmt(p.margin), "initialMargin": Self.fmt(p.margin),
                    "maintMargin": "0.00000000", "positionInitialMargin": Self.fmt(p.margin), "openOrderInitialMargin": "0.00000000",
                    "adl": 0, "bidNotional": "0", "askNotional": "0", "leverage": String(Int(b.account.leverage)), "marginType": "isolated",
                    "updateTime": now]
        }
    }
}
