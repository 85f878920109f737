import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
@testable import PlatformAPI
import Prometheus
import StrategyRuntime
import Testing

/// A real API over a real SQLite file, a real embedded CPython (uploads load at `process`
/// level in real sandbox workers) and the real coordinator, driven through Hummingbird's router
/// test client.
struct APIHarness {
    let dir: String
    let db: PlatformDatabase
    let api: PlatformAPI
    let host: StrategyHost

    /// - Parameter clock: the bots' clock (their start price is the newest close in the database's candle store).
    init(options: APIOptions? = nil, metrics: PrometheusCollectorRegistry? = nil, clock: VirtualClock = .real) async throws {
        dir = NSTemporaryDirectory() + "tradectl-api-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        db = try PlatformDatabase(path: dir + "/api.sqlite")
        host = try await StrategyHost()
        var o = options ?? APIOptions()
        if options == nil { o.bcryptCost = 4; o.authRequestsPerMinute = 1_000; o.metricsToken = Self.operatorToken }
        let secrets = APISecrets(jwtSecret: Array(repeating: 7, count: 32), masterKey: SymmetricKey(size: .bits256))
        let coordinator = try Coordinator(db: db, host: host)
        api = await PlatformAPI(db: db, secrets: secrets, validator: ProcessValidator(host: host), coordinator: coordinator, options: o,
                                metrics: metrics, bots: BotDesk(db: db, catalog: BotCatalog(host: host), coordinator: coordinator, clock: clock,
                                                                quotas: o.quotas))
    }

    func run(_ body: @Sendable (Client) async throws -> Void) async throws {
        let app = Application(responder: api.responder())
        try await app.test(.router) { client in try await body(Client(client: client)) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A thin JSON client over the test client.
    struct Client: Sendable {
        let client: any TestClientProtocol

        struct Reply: Sendable {
            let status: Int
            let headers: HTTPFields
            let text: String
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
            subscript(key: String) -> Any? { json[key] }
            var items: [[String: Any]] { (json["items"] as? [[String: Any]]) ?? [] }
        }

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: Any? = nil, raw: String? = nil) async throws -> Reply {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let token { headers[.authorization] = "Bearer \(token)" }
            let body: ByteBuffer? = try raw.map { ByteBuffer(string: $0) }
                ?? json.map { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: $0)) }
            return try await client.execute(uri: uri, method: method, headers: headers, body: body) { r in
                Reply(status: Int(r.status.code), headers: r.headers, text: String(buffer: r.body))
            }
        }

        /// Registers a user and returns (id, token).
        func register(_ email: String) async throws -> (id: Int64, token: String) {
            let r = try await call(.post, "/auth/register", json: ["email": email, "password": "correct horse"])
            try #require(r.status == 201, "register: \(r.text)")
            let user = try #require(r["user"] as? [String: Any])
            return ((user["id"] as? NSNumber)?.int64Value ?? 0, try #require(r["token"] as? String))
        }

        /// Uploads a strategy and returns its id.
        func upload(_ token: String, name: String = "s", source: String = APIHarness.momentum, kind: String = "code") async throws -> Int64 {
            var body: [String: Any] = ["name": name, "symbols": ["BTCUSDT"], "timeframe": "1m", "lookback": 20, "kind": kind]
            if kind == "code" { body["source"] = source }
            let r = try await call(.post, PlatformAPI.strategies, token: token, json: body)
            try #require(r.status == 201, "upload: \(r.text)")
            return try #require((r["id"] as? NSNumber)?.int64Value)
        }

        func subscribe(_ token: String, strategy: Int64, capital: Double = 10_000) async throws -> Int64 {
            let r = try await call(.post, "/api/strategies/\(strategy)/subscribe", token: token,
                                   json: ["capital": capital, "riskPerTrade": 0.01, "leverage": 2])
            try #require(r.status == 201, "subscribe: \(r.text)")
            return try #require((r["id"] as? NSNumber)?.int64Value)
        }
    }

    /// The operator token `/metrics` takes in harnesses made with the default options.
    static let operatorToken = "operator-token-for-tests"

    static let momentum = """
        def main(df, ctx):
            if df["close"].iloc[-1] > df["close"].iloc[-2]:
                return {"action": "BUY"}
            return {"action": "HOLD"}
        """
}
