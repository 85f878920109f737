import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import Platform
import PlatformAPI
import StrategyRuntime
import Synchronization

/// The dashboard benchmark: a SQLite file with `strategies` strategies and users × strategies
/// subscriptions (each strategy with signals and orders on its recent candles), the real server on
/// a loopback port, and every page requested in turn by a signed-in user.
struct DashboardBench {
    let strategies: Int
    let users: Int
    let requests: Int
    let progress: @Sendable (String) -> Void

    struct PageTime {
        var name: String
        var path: String
        var status: Int
        var bytes: Int
        /// From the page's Server-Timing header, ms.
        var server: [Double]
        /// Seen by the loopback client, ms.
        var client: [Double]
    }

    struct Report {
        var pages: [PageTime]
        var listWeight: (html: Int, assets: Int)
        var stored: (strategies: Int, subscriptions: Int, orders: Int)

        var object: [String: Any] {
            ["stored": ["strategies": stored.strategies, "subscriptions": stored.subscriptions, "orders": stored.orders],
             "strategyListBytes": ["html": listWeight.html, "assets": listWeight.assets, "total": listWeight.html + listWeight.assets],
             "pages": pages.map { p in
                 ["name": p.name, "path": p.path, "status": p.status, "bytes": p.bytes,
                  "server_p50_ms": pct(p.server, 0.5), "server_p99_ms": pct(p.server, 0.99), "server_max_ms": p.server.max() ?? 0,
                  "client_p50_ms": pct(p.client, 0.5), "client_p99_ms": pct(p.client, 0.99)] as [String: Any]
             }]
        }

        var table: String {
            var out = "Stored: \(stored.strategies) strategies, \(stored.subscriptions) subscriptions, \(stored.orders) orders\n"
            out += "Strategy list, first page: \(listWeight.html) B HTML + \(listWeight.assets) B scripts, styles and icon = "
                + "\(listWeight.html + listWeight.assets) B\n\n"
            out += "page".padding(toLength: 24, withPad: " ", startingAt: 0) + "status    bytes  server p50  server p99  server max  client p50\n"
            for p in pages {
                out += p.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                out += String(format: "%6d %8d %9.2f ms %9.2f ms %9.2f ms %9.2f ms\n", p.status, p.bytes, pct(p.server, 0.5), pct(p.server, 0.99),
                              p.server.max() ?? 0, pct(p.client, 0.5))
            }
            return out
        }
    }

    func run() async throws -> Report {
        let dir = NSTemporaryDirectory() + "tradectl-bench-dashboard-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try PlatformDatabase(path: dir + "/bench.sqlite")
        let host = try await StrategyHost()
        let coordinator = try Coordinator(db: db, host: host)
        var options = APIOptions()
        options.bcryptCost = 4
        options.authRequestsPerMinute = 1_000_000
        let api = await PlatformAPI(db: db, secrets: try APISecrets.load(directory: dir), validator: ProcessValidator(host: host),
                                    coordinator: coordinator, options: options)
        let feed = SyntheticFeed(seed: 1, clock: .real)
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "tradectl.bench")
        logger.logLevel = .warning
        let app = Application(responder: try api.responder(dashboard: DashboardServices(candles: feed, clock: .real, host: host)),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "tradectl"),
                              onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var waited = 0
        while port.withLock({ $0 }) == nil, waited < 200 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        guard let p = port.withLock({ $0 }) else { throw PlatformError(.storage, "the server did not start") }
        let client = BenchClient(base: "http://127.0.0.1:\(p)")

        progress("registering \(users) users")
        var sessions: [(id: Int64, cookie: String)] = []
        for i in 0..<users {
            let (id, token) = try await client.register("bench\(i)@example.com")
            sessions.append((id, "tradectl_session=\(token)"))
        }
        progress("storing \(strategies) strategies and \(strategies * users) subscriptions, with signals and orders")
        let stored = try await seed(db: db, coordinator: coordinator, feed: feed, owners: sessions.map(\.id))
        let me = sessions[0]
        let mine = try db.subscriptions(userID: me.id)
        let ownStrategy = stored.first { $0.ownerID == me.id }!.strategyID
        let otherStrategy = stored.first { $0.ownerID != me.id }!.strategyID
        let pages: [(String, String, String?)] = [
            ("strategy list", "/strategies", nil),
            ("list, signed in", "/strategies", me.cookie),
            ("list by return", "/strategies?sort=return", me.cookie),
            ("list by drawdown, p3", "/strategies?sort=drawdown&page=3", me.cookie),
            ("list filtered", "/strategies?q=bench&symbol=BTCUSDT&timeframe=1m&author=bench1%40example.com&sort=subscribers", me.cookie),
            ("strategy (owner)", "/strategies/\(ownStrategy)", me.cookie),
            ("strategy (subscriber)", "/strategies/\(otherStrategy)", me.cookie),
            ("strategy (visitor)", "/strategies/\(otherStrategy)", nil),
            ("editor", "/strategies/\(ownStrategy)/edit", me.cookie),
            ("backtest form", "/strategies/\(ownStrategy)/backtest", me.cookie),
            ("new strategy", "/strategies/new", me.cookie),
            ("subscribe form", "/strategies/\(otherStrategy)/subscribe", me.cookie),
            ("subscriptions", "/subscriptions", me.cookie),
            ("subscriptions p4", "/subscriptions?page=4", me.cookie),
            ("subscription", "/subscriptions/\(mine[0].id)", me.cookie),
            ("credentials", "/credentials", me.cookie),
            ("bots", "/bots", me.cookie),
            ("login", "/login", nil),
            ("signup", "/signup", nil),
        ]
        var times: [PageTime] = []
        for (name, path, cookie) in pages {
            progress("timing \(name)")
            var t = PageTime(name: name, path: path, status: 0, bytes: 0, server: [], client: [])
            for i in 0..<(requests + 5) {
                let r = try await client.get(path, cookie: cookie)
                t.status = r.status
                t.bytes = r.body.count
                if i >= 5 {
                    t.server.append(r.serverMillis ?? .nan)
                    t.client.append(r.clientMillis)
                }
            }
            times.append(t)
        }
        let list = try await client.get("/strategies", cookie: nil)
        let html = String(decoding: list.body, as: UTF8.self)
        var assets = 0
        for path in Set(Self.assetPaths(html)) { assets += try await client.get(path, cookie: nil).body.count }
        let orders = try db.orderCount()
        return Report(pages: times, listWeight: (list.body.count, assets), stored: (strategies, strategies * users, orders))
    }

    /// Strategies spread over the owners, every owner subscribed to every strategy, and each
    /// strategy's signals on every 12th of its last 240 candles, fanned out to its subscribers.
    private func seed(db: PlatformDatabase, coordinator: Coordinator, feed: SyntheticFeed,
                      owners: [Int64]) async throws -> [(strategyID: Int64, ownerID: Int64)] {
        let symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT"]
        var out: [(Int64, Int64)] = []
        for i in 0..<strategies {
            let owner = owners[i % owners.count]
            let spec = StrategyVersionSpec(source: "def main(data, ctx=None):\n    return None\n", symbols: [symbols[i % symbols.count]],
                                           timeframe: .m1, lookback: 20, isolation: .process)
            let s = try db.createStrategy(ownerID: owner, NewStrategy(name: "bench strategy \(i)", description: "Strategy \(i) of the dashboard benchmark.",
                                                                      spec: spec))
            out.append((s.id, owner))
            for user in owners {
                _ = try db.subscribe(userID: user, strategyID: s.id, terms: try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.01, leverage: 2))
            }
            let d = Timeframe.m1.milliseconds
            let through = Timeframe.m1.floor(VirtualClock.real.now()) - d
            let window = try await feed.candles(symbol: spec.symbols[0], timeframe: .m1, from: through - 239 * d, through: through)
            let version = try db.latestVersion(strategyID: s.id)
            for (k, end) in stride(from: 11, to: window.count, by: 12).enumerated() {
                let bar = window.slice(end..<(end + 1))
                let signal = Signal(action: k % 2 == 0 ? .buy : .sell, entryPrice: bar.close[0], symbol: spec.symbols[0])
                _ = try await coordinator.commit(signals: [signal], version: version, window: bar)
            }
        }
        try db.projectFanouts()
        return out
    }

    static func assetPaths(_ html: String) -> [String] {
        html.components(separatedBy: "\"").filter { $0.hasPrefix("/assets/") }
    }
}

/// Percentile of a sample (nearest rank).
private func pct(_ xs: [Double], _ q: Double) -> Double {
    let s = xs.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return .nan }
    let rank = max(0, Int((Double(s.count) * q).rounded(.up)) - 1)
    return s[min(rank, s.count - 1)]
}

/// A loopback HTTP client for the benchmark.
private struct BenchClient {
    let base: String
    let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.httpCookieStorage = nil
        c.httpShouldSetCookies = false
        return URLSession(configuration: c)
    }()

    struct Reply {
        var status: Int
        var body: Data
        var serverMillis: Double?
        var clientMillis: Double
    }

    func get(_ path: String, cookie: String?) async throws -> Reply {
        var request = URLRequest(url: URL(string: base + path)!)
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        let start = ContinuousClock.now
        let (data, response) = try await session.data(for: request)
        let elapsed = Double((ContinuousClock.now - start) / .microseconds(1)) / 1000
        let http = response as? HTTPURLResponse
        let timing = (http?.value(forHTTPHeaderField: "Server-Timing")).flatMap { $0.components(separatedBy: "dur=").last }.flatMap(Double.init)
        return Reply(status: http?.statusCode ?? 0, body: data, serverMillis: timing, clientMillis: elapsed)
    }

    func register(_ email: String) async throws -> (Int64, String) {
        var request = URLRequest(url: URL(string: base + "/auth/register")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["email": email, "password": "bench password"])
        let (data, _) = try await session.data(for: request)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let token = json?["token"] as? String, let user = json?["user"] as? [String: Any],
              let id = (user["id"] as? NSNumber)?.int64Value else {
            throw PlatformError(.invalidInput, "register failed: \(String(decoding: data, as: UTF8.self))")
        }
        return (id, token)
    }
}
