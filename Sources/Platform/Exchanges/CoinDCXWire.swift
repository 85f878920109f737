import Foundation
import StrategyRuntime

/// CoinDCX's JSON bodies (numbers are JSON numbers; candles arrive newest first).
enum CoinDCXWire {
    struct ErrorBody: Decodable {
        var code: Int?
        var message: String?
    }

    struct Market: Decodable {
        var coindcx_name: String?
        var symbol: String?
        var pair: String
        var base_currency_short_name: String
        var target_currency_short_name: String
        var min_quantity: Double?
        var max_quantity: Double?
        var min_price: Double?
        var min_notional: Double?
        var step: Double?
        var base_currency_precision: Int?
        var target_currency_precision: Int?
        var status: String?
    }

    struct Candle: Decodable {
        var open: Double
        var high: Double
        var low: Double
        var close: Double
        var volume: Double
        var time: Int64
    }

    /// A time as CoinDCX sends it: epoch ms as a number, or ISO-8601 text.
    struct Time: Decodable {
        var ms: Int64

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Double.self) {
                ms = Int64(n)
                return
            }
            ms = EpochTime.milliseconds(text: try c.decode(String.self)) ?? 0
        }
    }

    struct OrderBody: Decodable {
        var id: String
        var client_order_id: String?
        var market: String
        var order_type: String
        var side: String
        var status: String
        var fee_amount: Double?
        var total_quantity: Double
        var remaining_quantity: Double?
        var avg_price: Double?
        var price_per_unit: Double?
        var stop_price: Double?
        var updated_at: Time?
        var created_at: Time?
    }

    struct Orders: Decodable {
        var orders: [OrderBody]
    }

    struct Balance: Decodable {
        var currency: String
        var balance: Double
        var locked_balance: Double?
    }

    static func state(_ s: String) -> OrderState {
        switch s {
        case "init", "open": return .new
        case "partially_filled": return .partiallyFilled
        case "filled": return .filled
        case "cancelled", "partially_cancelled": return .cancelled
        case "rejected": return .rejected
        default: return .expired
        }
    }

    static func order(_ b: OrderBody, symbol: String) -> ExchangeOrder {
        let filled = max(0, b.total_quantity - (b.remaining_quantity ?? b.total_quantity))
        let type: OrderType = b.order_type == "market_order" ? .market : b.order_type.hasPrefix("stop") ? .stop : .limit
        let price = b.price_per_unit ?? 0
        return ExchangeOrder(exchangeID: b.id, clientID: b.client_order_id ?? "", symbol: symbol, side: b.side == "sell" ? .sell : .buy,
                             type: type, quantity: b.total_quantity, price: type == .limit && price > 0 ? price : nil,
                             stopPrice: b.stop_price, state: state(b.status), filled: filled, averagePrice: b.avg_price ?? 0,
                             fees: b.fee_amount ?? 0, updatedAt: (b.updated_at ?? b.created_at)?.ms ?? 0)
    }

    static func symbol(_ m: Market) throws(ExchangeError) -> ExchangeSymbol {
        let name = m.symbol ?? m.coindcx_name ?? ""
        func pow10(_ n: Int?) -> Double { n.map { (0..<max(0, $0)).reduce(1.0) { v, _ in v / 10 } } ?? 0 }
        let tick = pow10(m.base_currency_precision)
        let step = (m.step ?? 0) > 0 ? m.step! : pow10(m.target_currency_precision)
        let minQty = max(m.min_quantity ?? 0, pow10(m.target_currency_precision))
        do {
            let rules = try MarketRules(market: .spot, tickSize: tick, lotStep: step, minQuantity: minQty, minNotional: m.min_notional ?? 0)
            return ExchangeSymbol(symbol: name, baseAsset: m.target_currency_short_name, quoteAsset: m.base_currency_short_name, market: name,
                                  pair: m.pair, rules: rules, trading: (m.status ?? "active") == "active")
        } catch {
            throw ExchangeError(.malformedResponse, "market details of \(name.prefix(20)) are unusable: \(error.message)")
        }
    }

    static func error(status: Int, body: [UInt8], retryAfterMs: Int64?) -> ExchangeError {
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: Data(body))
        let msg = parsed?.message
        func e(_ c: ExchangeError.Code, _ m: String) -> ExchangeError {
            ExchangeError(c, m, exchangeCode: parsed?.code, exchangeMessage: msg, status: status, retryAfterMs: retryAfterMs)
        }
        let lower = msg?.lowercased() ?? ""
        switch status {
        case 429: return e(.rateLimited, "rate limit exceeded")
        case 500...: return e(.unknownOutcome, "the exchange failed with HTTP \(status); the request may have executed")
        case 401, 403: return e(.badCredentials, "the exchange refused the API key or signature")
        case 404: return e(.orderNotFound, "no such order")
        default: break
        }
        if lower.contains("insufficient") { return e(.insufficientBalance, "the account cannot cover the order") }
        if lower.contains("duplicate") { return e(.duplicateOrder, "an order already has this client order id") }
        if lower.contains("minimum") || lower.contains("precision") || lower.contains("quantity") || lower.contains("price") {
            return e(.filterFailure, "the order breaks a market rule")
        }
        if lower.contains("timestamp") { return e(.timestampRejected, "the request's timestamp was rejected") }
        if lower.contains("cannot be cancelled") { return e(.cancelRejected, "the exchange refused the cancel") }
        if parsed == nil { return e(.malformedResponse, "HTTP \(status) without an error body") }
        return e(.rejected, "the exchange refused the request (HTTP \(status))")
    }
}

/// A compact JSON object written in the order fields are added: the exact bytes CoinDCX signs
/// (`json.dumps(body, separators=(',', ':'))` of its examples).
struct CompactJSON {
    private(set) var bytes: [UInt8] = [0x7B]

    mutating func add(_ name: String, string value: String) {
        key(name)
        quote(value)
    }

    /// A number, written as decimal text (never an exponent).
    mutating func add(_ name: String, number text: String) {
        key(name)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func add(_ name: String, _ value: Int64) { add(name, number: String(value)) }

    func finished() -> [UInt8] { bytes + [0x7D] }

    private mutating func key(_ name: String) {
        if bytes.count > 1 { bytes.append(0x2C) }
        quote(name)
        bytes.append(0x3A)
    }

    private mutating func quote(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22, 0x5C: bytes.append(0x5C); bytes.append(b)
            case 0..<0x20: bytes.append(contentsOf: Array(String(format: "\\u%04x", b).utf8))
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}
