import Foundation
import StrategyRuntime
import Synchronization

/// CoinDCX spot: every private call a POST of a JSON body with `timestamp`, signed with
/// HMAC-SHA256 over the exact body bytes (`X-AUTH-APIKEY`, `X-AUTH-SIGNATURE`); candles from the
/// public host, newest first; market rules from `markets_details`.
public final class CoinDCXConnector: ExchangeConnector {
    public let venue = ExchangeVenue.coindcx
    let base: String
    let publicBase: String
    let http: ExchangeHTTP
    /// CoinDCX publishes no time endpoint: the offset stays 0 unless measured elsewhere.
    public let clock: ServerClock
    public let budgets: RateBudgets
    private let markets = Mutex<[String: ExchangeSymbol]?>(nil)

    /// - Parameter budgets: defaults to CoinDCX's published limits: 16 requests/s and 960/min
    ///   per key, 2,000 order creations per minute.
    public init(base: String, publicBase: String, http: ExchangeHTTP, clock: ServerClock = ServerClock(), budgets: RateBudgets? = nil) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.publicBase = publicBase.hasSuffix("/") ? String(publicBase.dropLast()) : publicBase
        self.http = http
        self.clock = clock
        self.budgets = budgets ?? RateBudgets(
            ipRules: [RateRule(kind: .requests, intervalMs: 1_000, limit: 16), RateRule(kind: .requests, intervalMs: 60_000, limit: 960)],
            keyRules: [RateRule(kind: .requests, intervalMs: 1_000, limit: 16), RateRule(kind: .orders, intervalMs: 60_000, limit: 2_000)],
            clock: clock)
    }

    /// The intervals CoinDCX has (no 3m, no 12h).
    static func interval(_ tf: Timeframe) -> String? {
        switch tf {
        case .m3, .h12: return nil
        default: return tf.rawValue
        }
    }

    // MARK: - Requests

    func get(_ url: String) async throws(ExchangeError) -> ExchangeHTTP.Reply {
        do {
            try await budgets.acquire(weight: 1, orders: 0, keyID: nil)
        } catch {
            throw ExchangeError(.unreachable, "cancelled while waiting for the rate budget")
        }
        let sent = await http.sendResult("GET", url, headers: [], body: nil)
        budgets.release(weight: 1, orders: 0, keyID: nil)
        return try checked(try sent.get(), keyID: nil)
    }

    /// POSTs `body` (its `timestamp` added last) signed over its exact bytes.
    func post(_ path: String, _ body: CompactJSON, credentials: ExchangeCredentials, orders: Int = 0) async throws(ExchangeError)
        -> ExchangeHTTP.Reply {
        var limited = 0
        while true {
            do {
                try await budgets.acquire(weight: 1, orders: orders, keyID: credentials.keyID)
            } catch {
                throw ExchangeError(.unreachable, "cancelled while waiting for the rate budget")
            }
            let start = ConnectorMeter.monotonicNanos()
            var b = body
            b.add("timestamp", clock.now())
            let bytes = b.finished()
            let signature = RequestSigning.coindcx(body: bytes, secret: credentials.secret)
            let headers = [("Content-Type", "application/json"), ("X-AUTH-APIKEY", credentials.apiKey), ("X-AUTH-SIGNATURE", signature)]
            ConnectorMeter.add(since: start)
            ConnectorMeter.current?.requests += 1
            let sent = await http.sendResult("POST", base + path, headers: headers, body: bytes)
            budgets.release(weight: 1, orders: orders, keyID: credentials.keyID)
            let reply = try sent.get()
            do {
                return try checked(reply, keyID: credentials.keyID)
            } catch where error.code == .rateLimited && limited < 5 {
                limited += 1
            }
        }
    }

    private func checked(_ reply: ExchangeHTTP.Reply, keyID: String?) throws(ExchangeError) -> ExchangeHTTP.Reply {
        if (200..<300).contains(reply.status) { return reply }
        let retryAfter = reply.header("Retry-After").flatMap(Int64.init).map { $0 * 1_000 }
        let error = CoinDCXWire.error(status: reply.status, body: reply.body, retryAfterMs: retryAfter)
        if error.code == .rateLimited {
            let wait = retryAfter ?? 1_000
            if let keyID { budgets.key(keyID).block(retryAfterMs: wait) } else { budgets.ip.block(retryAfterMs: wait) }
        }
        throw error
    }

    func decode<T: Decodable>(_ type: T.Type, _ reply: ExchangeHTTP.Reply) throws(ExchangeError) -> T {
        let start = ConnectorMeter.monotonicNanos()
        defer { ConnectorMeter.add(since: start) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body))
        } catch {
            throw ExchangeError(.malformedResponse, "could not read the exchange's \(T.self) answer", status: reply.status)
        }
    }

    // MARK: - Market data

    /// CoinDCX has no time endpoint: the local clock (plus any offset set elsewhere).
    public func serverTime() async throws(ExchangeError) -> Int64 { clock.now() }

    public func symbol(_ symbol: String) async throws(ExchangeError) -> ExchangeSymbol {
        if let all = markets.withLock({ $0 }) {
            guard let s = all[symbol] else { throw ExchangeError(.invalidInput, "the exchange does not list \(symbol.prefix(20))") }
            return s
        }
        let reply = try await get(base + "/exchange/v1/markets_details")
        var all: [String: ExchangeSymbol] = [:]
        for m in try decode([CoinDCXWire.Market].self, reply) {
            guard let s = try? CoinDCXWire.symbol(m), !s.symbol.isEmpty else { continue }
            all[s.symbol] = s
        }
        markets.withLock { $0 = all }
        guard let s = all[symbol] else { throw ExchangeError(.invalidInput, "the exchange does not list \(symbol.prefix(20))") }
        return s
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64, limit: Int) async throws(ExchangeError) -> CandleWindow {
        guard let interval = Self.interval(timeframe) else {
            throw ExchangeError(.unsupported, "CoinDCX has no \(timeframe.rawValue) candles")
        }
        let s = try await self.symbol(symbol)
        var p = FormParameters()
        p.add("pair", s.pair)
        p.add("interval", interval)
        p.add("startTime", from)
        p.add("endTime", through + timeframe.milliseconds - 1)
        p.add("limit", Int64(min(max(1, limit), 1_000)))
        let reply = try await get(publicBase + "/market_data/candles?" + p.text)
        let rows = try decode([CoinDCXWire.Candle].self, reply)
        return Self.closedCandles(rows, symbol: symbol, timeframe: timeframe, now: clock.now(), from: from, through: through)
    }

    /// Rows newest first as a window oldest first, keeping candles that closed by `now`.
    static func closedCandles(_ rows: [CoinDCXWire.Candle], symbol: String, timeframe: Timeframe, now: Int64, from: Int64,
                              through: Int64) -> CandleWindow {
        var w = CandleWindow(symbol: symbol, timeframe: timeframe.rawValue, times: [], open: [], high: [], low: [], close: [], volume: [])
        for r in rows.sorted(by: { $0.time < $1.time }) {
            guard r.time + timeframe.milliseconds <= now, r.time >= from, r.time <= through else { continue }
            if let last = w.times.last, r.time <= last { continue }
            w.times.append(r.time); w.open.append(r.open); w.high.append(r.high); w.low.append(r.low); w.close.append(r.close)
            w.volume.append(r.volume)
        }
        return w
    }

    // MARK: - Trading

    public func place(_ r: LiveOrderRequest, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder {
        let s = try await symbol(r.symbol)
        var b = CompactJSON()
        b.add("side", string: r.side == .buy ? "buy" : "sell")
        switch r.type {
        case .market:
            b.add("order_type", string: "market_order")
        case .limit:
            guard let price = r.price else { throw ExchangeError(.invalidInput, "a limit order needs a price") }
            b.add("order_type", string: "limit_order")
            b.add("price_per_unit", number: DecimalText.format(price, step: s.rules.tickSize))
        case .stop:
            throw ExchangeError(.unsupported, "CoinDCX spot has no stop-market orders")
        }
        b.add("market", string: s.market)
        b.add("total_quantity", number: DecimalText.format(r.quantity, step: s.rules.lotStep))
        b.add("client_order_id", string: r.clientID)
        let reply = try await post("/exchange/v1/orders/create", b, credentials: credentials, orders: 1)
        guard let first = try decode(CoinDCXWire.Orders.self, reply).orders.first else {
            throw ExchangeError(.malformedResponse, "the create answer lists no order")
        }
        return CoinDCXWire.order(first, symbol: r.symbol)
    }

    public func cancel(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder {
        var b = CompactJSON()
        b.add("client_order_id", string: clientID)
        _ = try await post("/exchange/v1/orders/cancel", b, credentials: credentials)
        guard let o = try await order(symbol: symbol, clientID: clientID, credentials: credentials) else {
            throw ExchangeError(.orderNotFound, "no such order")
        }
        return o
    }

    public func order(symbol: String, clientID: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> ExchangeOrder? {
        var b = CompactJSON()
        b.add("client_order_id", string: clientID)
        do {
            let reply = try await post("/exchange/v1/orders/status", b, credentials: credentials)
            return CoinDCXWire.order(try decode(CoinDCXWire.OrderBody.self, reply), symbol: symbol)
        } catch where error.code == .orderNotFound {
            return nil
        }
    }

    public func openOrders(symbol: String, credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangeOrder] {
        let s = try await self.symbol(symbol)
        var b = CompactJSON()
        b.add("market", string: s.market)
        let reply = try await post("/exchange/v1/orders/active_orders", b, credentials: credentials)
        return try decode(CoinDCXWire.Orders.self, reply).orders.map { CoinDCXWire.order($0, symbol: symbol) }
    }

    public func balances(credentials: ExchangeCredentials) async throws(ExchangeError) -> [AssetBalance] {
        let reply = try await post("/exchange/v1/users/balances", CompactJSON(), credentials: credentials)
        return try decode([CoinDCXWire.Balance].self, reply).map {
            AssetBalance(asset: $0.currency, free: $0.balance, locked: $0.locked_balance ?? 0)
        }
    }

    public func positions(credentials: ExchangeCredentials) async throws(ExchangeError) -> [ExchangePosition] { [] }
}
