import Foundation
import StrategyRuntime

/// Binance's JSON bodies (spot and USDⓈ-M share them; decimals arrive as strings).
enum BinanceWire {
    struct ErrorBody: Decodable {
        var code: Int
        var msg: String
    }

    struct ServerTime: Decodable {
        var serverTime: Int64
    }

    struct Fill: Decodable {
        var price: String
        var qty: String
        var commission: String
        var commissionAsset: String
        var tradeId: Int64?
    }

    struct OrderBody: Decodable {
        var symbol: String
        var orderId: Int64
        var clientOrderId: String
        /// Cancels answer with the cancel's own id in `clientOrderId` and the order's here (spot).
        var origClientOrderId: String?
        var price: String?
        var origQty: String?
        var executedQty: String?
        var cummulativeQuoteQty: String?
        var cumQuote: String?
        var avgPrice: String?
        var status: String
        var type: String
        var side: String
        var stopPrice: String?
        var reduceOnly: Bool?
        var transactTime: Int64?
        var updateTime: Int64?
        var time: Int64?
        var fills: [Fill]?
    }

    /// A USDⓈ-M conditional order of the Algo Order API (`/fapi/v1/algoOrder`).
    struct AlgoOrderBody: Decodable {
        var algoId: Int64
        var clientAlgoId: String
        var symbol: String
        var side: String
        var quantity: String?
        var algoStatus: String
        var triggerPrice: String?
        var actualPrice: String?
        var reduceOnly: Bool?
        var updateTime: Int64?
        var createTime: Int64?
    }

    /// An algo order as an `ExchangeOrder` (a stop-market): triggered and finished count as filled
    /// at `actualPrice`; its id is `algo-<algoId>`.
    static func order(_ b: AlgoOrderBody) -> ExchangeOrder {
        let state: OrderState = switch b.algoStatus {
        case "NEW", "TRIGGERING": .new
        case "TRIGGERED", "FINISHED": .filled
        case "CANCELED", "CANCELLED": .cancelled
        case "REJECTED": .rejected
        default: .expired
        }
        let quantity = double(b.quantity)
        return ExchangeOrder(exchangeID: "algo-\(b.algoId)", clientID: b.clientAlgoId, symbol: b.symbol, side: b.side == "SELL" ? .sell : .buy,
                             type: .stop, quantity: quantity, stopPrice: double(b.triggerPrice), reduceOnly: b.reduceOnly ?? false, state: state,
                             filled: state == .filled ? quantity : 0, averagePrice: state == .filled ? double(b.actualPrice) : 0,
                             updatedAt: b.updateTime ?? b.createTime ?? 0)
    }

    struct Filter: Decodable {
        var filterType: String
        var tickSize: String?
        var stepSize: String?
        var minQty: String?
        var minNotional: String?
        var notional: String?
    }

    struct SymbolInfo: Decodable {
        var symbol: String
        var status: String
        var baseAsset: String
        var quoteAsset: String
        var filters: [Filter]
    }

    struct RateLimit: Decodable {
        var rateLimitType: String
        var interval: String
        var intervalNum: Int64
        var limit: Int
    }

    struct ExchangeInfo: Decodable {
        var rateLimits: [RateLimit]?
        var symbols: [SymbolInfo]
    }

    struct SpotBalance: Decodable {
        var asset: String
        var free: String
        var locked: String
    }

    struct SpotAccount: Decodable {
        var balances: [SpotBalance]
    }

    struct FuturesAsset: Decodable {
        var asset: String
        var walletBalance: String
        var availableBalance: String?
    }

    struct FuturesAccount: Decodable {
        var assets: [FuturesAsset]
    }

    struct PositionRisk: Decodable {
        var symbol: String
        var positionAmt: String
        var entryPrice: String
        var leverage: String?
        var liquidationPrice: String?
        var isolatedMargin: String?
    }

    static func double(_ s: String?) -> Double { s.flatMap(Double.init) ?? 0 }

    static func state(_ status: String) -> OrderState {
        switch status {
        case "NEW", "PENDING_NEW", "PENDING_CANCEL": return .new
        case "PARTIALLY_FILLED": return .partiallyFilled
        case "FILLED", "NEW_INSURANCE", "NEW_ADL": return .filled
        case "CANCELED": return .cancelled
        case "REJECTED": return .rejected
        default: return .expired  // EXPIRED, EXPIRED_IN_MATCH
        }
    }

    static func type(_ t: String) -> OrderType {
        switch t {
        case "MARKET": return .market
        case "STOP_LOSS", "STOP_MARKET", "STOP": return .stop
        default: return .limit
        }
    }

    /// The order in the engine's terms; fees in quote from FULL fills (`quoteAsset`).
    static func order(_ b: OrderBody, quoteAsset: String?, baseAsset: String?) -> ExchangeOrder {
        let filled = double(b.executedQty)
        var average = double(b.avgPrice)
        if average == 0, filled > 0 { average = double(b.cummulativeQuoteQty ?? b.cumQuote) / filled }
        let time = b.updateTime ?? b.transactTime ?? b.time ?? 0
        var fees = 0.0
        let fills = (b.fills ?? []).map { f -> ExchangeFill in
            let price = double(f.price), qty = double(f.qty), commission = double(f.commission)
            let fee = f.commissionAsset == quoteAsset ? commission : f.commissionAsset == baseAsset ? commission * price : 0
            fees += fee
            return ExchangeFill(tradeID: f.tradeId.map(String.init) ?? "", price: price, quantity: qty, fee: fee, time: time)
        }
        let price = double(b.price), stop = double(b.stopPrice)
        return ExchangeOrder(exchangeID: String(b.orderId), clientID: b.origClientOrderId ?? b.clientOrderId, symbol: b.symbol, side: b.side == "SELL" ? .sell : .buy,
                             type: type(b.type), quantity: double(b.origQty), price: price > 0 ? price : nil, stopPrice: stop > 0 ? stop : nil,
                             reduceOnly: b.reduceOnly ?? false, state: state(b.status), filled: filled, averagePrice: average, fees: fees,
                             updatedAt: time, fills: fills)
    }

    /// Symbol rules from exchange info: PRICE_FILTER tick, LOT_SIZE step and minimum, and the
    /// minimum notional of NOTIONAL or MIN_NOTIONAL (`minNotional` on spot, `notional` on futures).
    static func symbol(_ s: SymbolInfo, market: MarketKind) throws(ExchangeError) -> ExchangeSymbol {
        var tick = 0.0, step = 0.0, minQty = 0.0, minNotional = 0.0
        for f in s.filters {
            switch f.filterType {
            case "PRICE_FILTER": tick = double(f.tickSize)
            case "LOT_SIZE": step = double(f.stepSize); minQty = double(f.minQty)
            case "NOTIONAL", "MIN_NOTIONAL": minNotional = max(minNotional, double(f.minNotional ?? f.notional))
            default: break
            }
        }
        do {
            let rules = try MarketRules(market: market, tickSize: tick, lotStep: step, minQuantity: minQty, minNotional: minNotional)
            return ExchangeSymbol(symbol: s.symbol, baseAsset: s.baseAsset, quoteAsset: s.quoteAsset, market: s.symbol, pair: s.symbol,
                                  rules: rules, trading: s.status == "TRADING")
        } catch {
            throw ExchangeError(.malformedResponse, "exchange info of \(s.symbol) has unusable filters: \(error.message)")
        }
    }

    /// `rateLimits` as budget rules: weight and raw requests per IP, orders per account.
    static func rules(_ limits: [RateLimit]) -> (ip: [RateRule], key: [RateRule]) {
        var ip: [RateRule] = [], key: [RateRule] = []
        for l in limits {
            let unit: Int64 = switch l.interval { case "SECOND": 1_000; case "MINUTE": 60_000; case "HOUR": 3_600_000; default: 86_400_000 }
            let ms = unit * max(1, l.intervalNum)
            switch l.rateLimitType {
            case "REQUEST_WEIGHT": ip.append(RateRule(kind: .weight, intervalMs: ms, limit: l.limit))
            case "RAW_REQUESTS": ip.append(RateRule(kind: .requests, intervalMs: ms, limit: l.limit))
            case "ORDERS": key.append(RateRule(kind: .orders, intervalMs: ms, limit: l.limit))
            default: break
            }
        }
        return (ip, key)
    }

    /// Binance's error code as the connector's error.
    static func error(status: Int, body: [UInt8], retryAfterMs: Int64?) -> ExchangeError {
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: Data(body))
        let code = parsed?.code, msg = parsed?.msg
        func e(_ c: ExchangeError.Code, _ m: String) -> ExchangeError {
            ExchangeError(c, m, exchangeCode: code, exchangeMessage: msg, status: status, retryAfterMs: retryAfterMs)
        }
        if status == 429 { return e(.rateLimited, "rate limit exceeded") }
        if status == 418 { return e(.banned, "the IP is banned for breaking rate limits") }
        if status >= 500 { return e(.unknownOutcome, "the exchange failed with HTTP \(status); the request may have executed") }
        switch code {
        case -1021: return e(.timestampRejected, "the request's timestamp was outside the receive window")
        case -1022, -2014, -2015, -1002: return e(.badCredentials, "the exchange refused the API key or signature")
        case -1013, -4164, -1111, -4003, -4005, -4014: return e(.filterFailure, "the order breaks a symbol rule")
        case -2019, -2018: return e(.insufficientBalance, "the account cannot cover the order")
        case -2010:
            if msg?.contains("Duplicate") == true { return e(.duplicateOrder, "an open order already has this client order id") }
            if msg?.contains("insufficient") == true { return e(.insufficientBalance, "the account cannot cover the order") }
            return e(.rejected, "the exchange rejected the order")
        case -2011: return msg?.contains("Unknown order") == true
            ? e(.orderNotFound, "no such order") : e(.cancelRejected, "the exchange refused the cancel")
        case -2013: return e(.orderNotFound, "no such order")
        case -1121: return e(.invalidInput, "unknown symbol")
        case -1003: return e(.rateLimited, "rate limit exceeded")
        default: break
        }
        if status == 401 { return e(.badCredentials, "the exchange refused the API key") }
        if parsed == nil { return e(.malformedResponse, "HTTP \(status) without an error body") }
        return e(.rejected, "the exchange refused the request (HTTP \(status))")
    }
}
