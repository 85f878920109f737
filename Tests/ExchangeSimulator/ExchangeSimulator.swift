import Crypto
import Foundation
import Hummingbird
import Logging
import Platform
import StrategyRuntime
import Synchronization

/// A local exchange for tests and benchmarks (test support, never in a product): Binance spot
/// (`/api/v3`), Binance USDⓈ-M (`/fapi`) and CoinDCX (`/exchange/v1`, `/market_data`) on one
/// loopback port.
///
/// It verifies what a real exchange verifies, exactly: Binance's HMAC-SHA256 over the raw query
/// string followed by the raw body, `timestamp` against its clock and `recvWindow`; CoinDCX's
/// HMAC over the raw body bytes and its timestamp. Orders match with the platform's own
/// `PaperExchange` on the scripted candles (`advance`), so there is one matcher. It answers the
/// documented error bodies, usage headers, 429 with `Retry-After` and 418 for clients that keep
/// sending, and injected faults.
public final class ExchangeSimulator: Sendable {
    let ledger: Mutex<SimLedger>
    /// Milliseconds the simulator's clock runs ahead of the machine's (to test offset tracking).
    let skew: Mutex<Int64>
    private let server = Mutex<(task: Task<Void, any Error>?, port: Int)>((nil, 0))

    public init(markets: [SimMarket], accounts: [SimAccount], limits: SimLimits = SimLimits(), skewMs: Int64 = 0) {
        let now = Self.localNow() + skewMs
        ledger = Mutex(SimLedger(markets: markets, accounts: accounts, limits: limits, now: now))
        skew = Mutex(skewMs)
    }

    static func localNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

    /// The simulator's clock (epoch ms).
    public func now() -> Int64 { Self.localNow() + skew.withLock { $0 } }

    /// `http://127.0.0.1:<port>` once started.
    public var baseURL: String { "http://127.0.0.1:\(server.withLock { $0.port })" }
    public var port: Int { server.withLock { $0.port } }

    /// Starts serving on a free loopback port (or `port`).
    public func start(port: Int = 0) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in try await self.respond(request) }
        var logger = Logger(label: "exchange-simulator")
        logger.logLevel = .critical
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        let task = Task { try await app.run() }
        var bound = 0
        for await p in stream { bound = p }
        guard bound > 0 else { throw SimError("the simulator did not start") }
        server.withLock { $0 = (task, bound) }
    }

    /// Stops serving.
    public func stop() async {
        let task = server.withLock { $0.task }
        task?.cancel()
        _ = try? await task?.value
    }

    // MARK: - Control

    /// Injects a fault for the next matching request(s).
    public func inject(_ rule: SimFaultRule) { ledger.withLock { $0.faults.append(rule) } }

    /// Moves the symbol's price path one candle on, matching every book; false at the end of the script.
    @discardableResult
    public func advance(_ symbol: String) -> Bool { ledger.withLock { $0.advance(symbol) } }

    public var stats: SimStats { ledger.withLock { $0.stats } }

    /// Every order the simulator holds for `apiKey`, oldest first.
    public func orders(apiKey: String, venue: SimVenue? = nil) -> [SimOrderRecord] {
        ledger.withLock { l in l.orders.values.filter { $0.apiKey == apiKey && (venue == nil || $0.venue == venue) }.sorted { $0.exchangeID < $1.exchangeID } }
    }

    /// How many orders carry `clientID` (exactly-once checks).
    public func count(clientID: String) -> Int { ledger.withLock { $0.orders.values.filter { $0.clientID == clientID }.count } }

    /// All orders, oldest first.
    public var allOrders: [SimOrderRecord] { ledger.withLock { $0.orders.values.sorted { $0.exchangeID < $1.exchangeID } } }

    // MARK: - Serving

    struct Reply {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8]

        static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> Reply {
            // Only dictionaries and arrays of JSON values are passed here.
            Reply(status: status, headers: headers, body: Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
        }
    }

    func respond(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        let body = Array((try await request.body.collect(upTo: 1 << 20)).readableBytesView)
        let query = request.uri.query ?? ""
        let now = self.now()
        let fault = ledger.withLock { l -> SimFault? in
            l.stats.requests += 1
            return l.fault(method: method, path: path)
        }
        switch fault {
        case .tooManyRequests(let seconds):
            ledger.withLock { $0.tooMany(now: now, retryAfterSeconds: seconds) }
            return Self.response(Reply.json(429, ["code": -1003, "msg": "Too many requests; please back off."],
                                            headers: [("Retry-After", String(seconds))]))
        case .serverErrorBeforeAccept(let status):
            return Self.response(Reply.json(status, ["code": -1001, "msg": "Internal error; unable to process your request. Please try again."]))
        default: break
        }
        func header(_ name: String) -> String? {
            request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
        }
        let reply: Reply
        if path == "/sim/stats" {
            reply = simStats()
        } else if path.hasPrefix("/api/") || path.hasPrefix("/fapi/") {
            reply = binance(method: method, path: path, query: query, body: body, apiKey: header("X-MBX-APIKEY"), now: now)
        } else {
            reply = coindcx(method: method, path: path, query: query, body: body, apiKey: header("X-AUTH-APIKEY"),
                            signature: header("X-AUTH-SIGNATURE"), now: now)
        }
        switch fault {
        case .delayAfterAccept(let ms):
            try? await Task.sleep(for: .milliseconds(ms))
        case .serverErrorAfterAccept(let status):
            return Self.response(Reply.json(status, ["code": -1001, "msg": "Internal error; unable to process your request. Please try again."]))
        case .dropAfterAccept:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { _ in throw SimError("dropped") })
        default: break
        }
        return Self.response(reply)
    }

    static func response(_ r: Reply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json;charset=UTF-8"
        for (n, v) in r.headers { headers.append(.init(name: .init(n)!, value: v)) }
        return Response(status: .init(code: r.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: r.body)))
    }

    /// `GET /sim/stats`: the counters, and how many client ids were used by more than one order.
    func simStats() -> Reply {
        let (s, orders) = ledger.withLock { ($0.stats, Array($0.orders.values)) }
        var perID: [String: Int] = [:]
        for o in orders { perID[o.clientID, default: 0] += 1 }
        return Reply.json(200, ["requests": s.requests, "ordersAccepted": s.ordersAccepted, "ordersRejected": s.ordersRejected,
                                "signatureFailures": s.signatureFailures, "timestampFailures": s.timestampFailures,
                                "tooManyRequests": s.tooManyRequests, "bans": s.bans, "distinctClientIDs": perID.count,
                                "reusedClientIDs": perID.values.filter { $0 > 1 }.count])
    }

    // MARK: - Helpers

    /// `a=b&c=d` percent-decoded ('+' is a space, as in forms).
    static func form(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in s.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = String(kv[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[0])
            let v = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(kv[1])) : ""
            out[k] = v
        }
        return out
    }

    static func hmacHex(_ secret: String, _ bytes: [UInt8]) -> String {
        HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    static func fmt(_ x: Double) -> String { String(format: "%.8f", x) }
}

struct SimError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
