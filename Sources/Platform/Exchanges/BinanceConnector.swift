import Foundation
import StrategyRuntime
import Synchronization

/// Binance spot (`/api/v3`) and USDⓈ-M futures (`/fapi`): HMAC-SHA256 over the query string
/// followed by the body, `X-MBX-APIKEY`, `timestamp` from the tracked server-time offset and
/// `recvWindow`; rate budgets from `exchangeInfo.rateLimits` and the usage headers.
public final class BinanceConnector: ExchangeConnector {
    public let venue: ExchangeVenue
    let base: String
    let http: ExchangeHTTP
    public let clock: ServerClock
    public let budgets: RateBudgets
    /// Sent with every signed request (ms, at most 60000).
    public let recvWindow: Int64
    private let symbols = Mutex<[String: ExchangeSymbol]>([:])
    /// Exchange-info requests in flight, so concurrent first uses of a symbol share one.
    private let loading = Mutex<[String: Task<ExchangeSymbol, any Error>]>([:])
    private let limitsLoaded = Mutex(false)

    struct Paths {
        let time, exchangeInfo, klines, order, openOrders, account, positions: String
        let weights: (exchangeInfo: Int, klines: Int, queryOrder: Int, openOrders: Int, account: Int)
        let klineLimit: Int
    }

    let paths: Paths

    /// - Parameters:
    ///   - venue: `.binanceSpot` or `.binanceUSDM`.
    ///   - base: e.g. `https://api.binance.com`, `https://testnet.binance.vision`, `https://fapi.binance.com`.
    ///   - budgets: shared by every connector of the same venue and IP; defaults to Binance's
    ///     published limits until `exchangeInfo` gives the ones in force.
    public init(venue: ExchangeVenue, base: String, http: ExchangeHTTP, clock: ServerClock = ServerClock(), budgets: RateBudgets? = nil,
                recvWindow: Int64 = 5_000) {
        precondition(venue == .binanceSpot || venue == .binanceUSDM, "BinanceConnector serves binance-spot and binance-usdm")
        self.venue = venue
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.http = http
        self.clock = clock
        self.recvWindow = recvWindow
        if venue == .binanceSpot {
            paths = Paths(time: "/api/v3/time", exchangeInfo: "/api/v3/exchangeInfo", klines: "/api/v3/klines", order: "/api/v3/order",
                          openOrders: "/api/v3/openOrders", account: "/api/v3/account", positions: "",
                          weights: (20, 2, 4, 6, 20), klineLimit: 1_000)
            self.budgets = budgets ?? RateBudgets(
                ipRules: [RateRule(kind: .weight, intervalMs: 60_000, limit: 6_000), RateRule(kind: .requests, intervalMs: 300_000, limit: 61_000)],
                keyRules: [RateRule(kind: .orders, intervalMs: 10_000, limit: 50), RateRule(kind: .orders, intervalMs: 86_400_000, limit: 160_000)],
                clock: clock)
        } else {
            paths = Paths(time: "/fapi/v1/time", exchangeInfo: "/fapi/v1/exchangeInfo", klines: "/fapi/v1/klines", order: "/fapi/v1/order",
                          openOrders: "/fapi/v1/openOrders", account: "/fapi/v3/account", positions: "/fapi/v3/positionRisk",
                          weights: (1, 5, 1, 1, 5), klineLimit: 1_500)
            self.budgets = budgets ?? RateBudgets(
                ipRules: [RateRule(kind: .weight, intervalMs: 60_000, limit: 2_400)],
                keyRules: [RateRule(kind: .orders, intervalMs: 10_000, limit: 300), RateRule(kind: .orders, intervalMs: 60_000, limit: 1_200)],
                clock: clock)
        }
    }

    // MARK: - Requests

    /// Sends one request: waits for budget, signs when `credentials` are given, reads the usage
    /// headers, retries a 429 after its `Retry-After` (nothing executed) up to 5 times and a
    /// -1021 once after measuring the clock again.
    func call(_ method: String, _ path: String, _ params: FormParameters, credentials: ExchangeCredentials?, weight: Int,
              orders: Int = 0) async throws(ExchangeError) -> ExchangeHTTP.Reply {
        if credentials != nil, clock.needsSync { _ = try await serverTime() }
        var resynced = false
        var limited = 0
        while true {
            do {
                try await budgets.acquire(weight: weight, orders: orders, keyID: credentials?.keyID)
            } catch {
                throw ExchangeError(.unreachable, "cancelled while waiting for the rate budget")
            }
            let start = ConnectorMeter.monotonicNanos()
            var query = params.text
            var headers: [(String, String)] = []
            if let c = credentials {
                var signed = params
                signed.add("timestamp", clock.now())
                signed.add("recvWindow", recvWindow)
                let signature = RequestSigning.binance(query: signed.text, body: "", secret: c.secret)
                signed.add("signature", signature)
                query = signed.text
                headers.append(("X-MBX-APIKEY", c.apiKey))
            }
            var url = base + path
            var body: [UInt8]? = nil
            if method == "POST" || method == "PUT" {
                body = Array(query.utf8)
                headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            } else if !query.isEmpty {
                url += "?" + query
            }
            ConnectorMeter.add(since: start)
            ConnectorMeter.current?.requests += 1
            let sent = await http.sendResult(method, url, headers: headers, body: body)
            budgets.release(weight: weight, orders: orders, keyID: credentials?.keyID)
            let reply = try sent.get()
            let after = ConnectorMeter.monotonicNanos()
            observeUsage(reply, keyID: credentials?.keyID)
            if (200..<300).contains(reply.status) {
                ConnectorMeter.add(since: after)
                return reply
            }
            let retryAfter = reply.header("Retry-After").flatMap(Int64.init).map { $0 * 1_000 }
            let error = BinanceWire.error(status: reply.status, body: reply.body, retryAfterMs: retryAfter)
            ConnectorMeter.add(since: after)
            switch error.code {
            case .rateLimited:
                if let wait = retryAfter {
                    budgets.ip.block(retryAfterMs: wait)
                } else if let keyID = credentials?.keyID, orders > 0 {
                    // An order-count 429 has no Retry-After: the key's shortest order window is full.
                    let key = budgets.key(keyID)
                    if let rule = key.rules.filter({ $0.kind == .orders }).min(by: { $0.intervalMs < $1.intervalMs }) {
                        key.observe(kind: .orders, intervalMs: rule.intervalMs, used: rule.limit)
                    }
                } else {
                    budgets.ip.block(retryAfterMs: 1_000)
                }
                limited += 1
                if limited > 5 { throw error }
            case .banned:
                budgets.ip.block(retryAfterMs: retryAfter ?? 120_000)
                throw error
            case .timestampRejected where !resynced:
                resynced = true
                clock.invalidate()
                _ = try await serverTime()
            default:
                throw error
            }
        }
    }

    /// Raises the budgets to the usage the headers report (`X-MBX-USED-WEIGHT-<n><u>`, `X-MBX-ORDER-COUNT-<n><u>`).
    private func observeUsage(_ reply: ExchangeHTTP.Reply, keyID: String?) {
        for (name, value) in reply.headers {
            guard name.count > 12, let used = Int(value) else { continue }
            let upper = name.uppercased()
            if upper.hasPrefix("X-MBX-USED-WEIGHT-"), let ms = Self.interval(upper.dropFirst(18)) {
                budgets.ip.observe(kind: .weight, intervalMs: ms, used: used)
            } else if upper.hasPrefix("X-MBX-ORDER-COUNT-"), let keyID, let ms = Self.interval(upper.dropFirst(18)) {
                budgets.key(keyID).observe(kind: .orders, intervalMs: ms, used: used)
            }
        }
    }

    /// `1M`, `10S`, `1D`, `1H` as milliseconds.
    static func interval(_ s: Substring) -> Int64? {
        guard let unit = s.last, let n = Int64(s.dropLast()) else { return nil }
        switch unit {
        case "S": return n * 1_000
        case "M": return n * 60_000
        case "H": return n * 3_600_000
        case "D": return n * 86_400_000
        default: return nil
        }
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

    public func serverTime() async throws(ExchangeError) -> Int64 {
        let reply = try await call("GET", paths.time, FormParameters(), credentials: nil, weight: 1)
        let t = try decode(BinanceWire.ServerTime.self, reply)
        clock.observe(serverTime: t.serverTime, sentAt: reply.sentAt, receivedAt: reply.receivedAt)
        return t.serverTime
    }

    public func symbol(_ symbol: String) async throws(ExchangeError) -> ExchangeSymbol {
        if let s = symbols.withLock({ $0[symbol] }) { return s }
        let task = loading.withLock { l in
            if let t = l[symbol] { return t }
            let t = Task { () async throws -> ExchangeSymbol in try await self.loadSymbol(symbol) }
            l[symbol] = t
            return t
        }
        do {
            let s = try await task.value
            loading.withLock { $0[symbol] = nil }
            return s
        } catch {
            loading.withLock { $0[symbol] = nil }
            throw error as? ExchangeError ?? ExchangeError(.unreachable, "exchange info was not loaded")
        }
    }

    private func loadSymbol(_ symbol: String) async throws(ExchangeError) -> ExchangeSymbol {
        var p = FormParameters()
        p.add("symbol", symbol)
        let reply = try await call("GET", paths.exchangeInfo, p, credentials: nil, weight: paths.weights.exchangeInfo)
        let info = try decode(BinanceWire.ExchangeInfo.self, reply)
        if let limits = info.rateLimits, !limitsLoaded.withLock({ $0 }) {
            let (ip, key) = BinanceWire.rules(limits)
            if !ip.isEmpty || !key.isEmpty { budgets.update(ipRules: ip, keyRules: key) }
            limitsLoaded.withLock { $0 = true }
        }
        guard let raw = info.symbols.first(where: { $0.symbol == symbol }) else {
            throw ExchangeError(.invalidInput, "the exchange does not list \(symbol.prefix(20))")
        }
        let s = try BinanceWire.symbol(raw, market: venue.market)
        symbols.withLock { $0[symbol] = s }
        return s
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64, limit: Int) async throws(ExchangeError) -> CandleWindow {
        if clock.needsSync { _ = try await serverTime() }
        var p = FormParameters()
        p.add("symbol", symbol)
        p.add("interval", timeframe.rawValue)
        p.add("startTime", from)
        p.add("endTime", through)
        p.add("limit", Int64(min(max(1, limit), paths.klineLimit)))
        let reply = try await call("GET", paths.klines, p, credentials: nil, weight: paths.weights.klines)
        let now = clock.now()
        return try Self.closedCandles(reply.body, symbol: symbol, timeframe: timeframe, serverTime: now, from: from, through: through)
    }

    /// Kline rows as a window, keeping only rows whose closeTime is before `serverTime` (the
    /// newest row is the candle still forming), oldest first.
    static func closedCandles(_ body: [UInt8], symbol: String, timeframe: Timeframe, serverTime: Int64, from: Int64,
                              through: Int64) throws(ExchangeError) -> CandleWindow {
        guard let rows = try? JSONSerialization.jsonObject(with: Data(body)) as? [[Any]] else {
            throw ExchangeError(.malformedResponse, "klines are not an array of rows")
        }
        var w = CandleWindow(symbol: symbol, timeframe: timeframe.rawValue, times: [], open: [], high: [], low: [], close: [], volume: [])
        for row in rows {
            guard row.count >= 7, let open = (row[0] as? NSNumber)?.int64Value, let close = (row[6] as? NSNumber)?.int64Value,
                  let o = (row[1] as? String).flatMap(Double.init), let h = (row[2] as? String).flatMap(Double.init),
                  let l = (row[3] as? String).flatMap(Double.init), let c = (row[4] as? String).flatMap(Double.init),
                  let v = (row[5] as? String).flatMap(Double.init) else {
                throw ExchangeError(.malformedResponse, "a kline row is not [openTime, open, high, low, close, volume, closeTime, …]")
            }
            guard close < serverTime, open >= from, open <= through else { continue }
            if let last = w.times.last, open <= last { continue }
            w.times.append(open); w.open.append(o); w.high.append(h); w.low.append(l); w.close.append(c); w.volume.append(v)
        }
        return w
    }
}
