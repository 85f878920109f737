import Foundation
import Hummingbird
import Logging
import Platform
import PlatformAPI
import StrategyRuntime
import Synchronization

/// `tradectl bench fairness`: the noisy neighbour. A light tenant's strategy on one symbol, alone,
/// then beside a tenant that runs `sleepers` strategies sleeping just under their call limit,
/// one strategy on `symbols` symbols, and floods `/metrics` and the event stream — all in one
/// process serving the API (as `tradectl serve` does), on an accelerated clock. Everything is set
/// up through the HTTP API on loopback, so the API's quotas apply.
struct FairnessBench {
    struct Config {
        var candles = 120
        var speed = 120.0
        var sleepers = 20
        var sleep = 1.9
        var symbols = 50
        var metricsClients = 8
        var pauseAfter: Int?
        var progress: (String) -> Void = { _ in }
    }

    struct Scenario {
        let name: String
        let attack: Bool
        /// Time budgets per close on (the default policy), or off (lanes alone).
        let budgets: Bool
    }

    struct Result {
        let scenario: Scenario
        let expected: Int
        let executed: Int
        let skipped: Int
        /// Close to commit of the light tenant's candles, µs.
        let latencies: [Int]
        /// One candle period in wall time, µs: later than this, the next candle has closed.
        let periodMicros: Int
        var attackerExecuted = 0, attackerSkipped = 0, attackerThrottled = 0
        var metricsOK = 0, metricsLimited = 0, streamsOpened = 0, streamsRefused = 0
        /// GET /healthz latency during the run, µs.
        var health: [Int] = []

        var withinPeriod: Int { latencies.filter { $0 <= periodMicros }.count }

        func percentile(_ values: [Int], _ p: Double) -> Double {
            guard !values.isEmpty else { return .nan }
            let sorted = values.sorted()
            return Double(sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p / 100).rounded()))])
        }

        var object: [String: Any] {
            ["scenario": scenario.name, "candles": expected, "executed": executed, "skipped": skipped, "within_period": withinPeriod,
             "period_ms": periodMicros / 1_000, "close_to_commit_p50_ms": round(percentile(latencies, 50) / 100) / 10,
             "close_to_commit_p99_ms": round(percentile(latencies, 99) / 100) / 10,
             "close_to_commit_max_ms": round(Double(latencies.max() ?? 0) / 100) / 10,
             "attacker_executed": attackerExecuted, "attacker_skipped": attackerSkipped, "attacker_throttled": attackerThrottled,
             "metrics_ok": metricsOK, "metrics_429": metricsLimited, "streams_open": streamsOpened, "streams_429": streamsRefused,
             "healthz_p50_ms": round(percentile(health, 50) / 100) / 10, "healthz_p99_ms": round(percentile(health, 99) / 100) / 10]
        }
    }

    static let light = """
        def main(df, ctx):
            return {"action": "BUY"} if df["close"].iloc[-1] > df["close"].iloc[-2] else {"action": "SELL"}
        """

    let config: Config

    func runAll() async throws -> [Result] {
        var results: [Result] = []
        for scenario in [Scenario(name: "alone", attack: false, budgets: true), Scenario(name: "attacked", attack: true, budgets: true),
                         Scenario(name: "attacked-no-budgets", attack: true, budgets: false)] {
            config.progress(scenario.name)
            results.append(try await run(scenario))
        }
        return results
    }

    func run(_ scenario: Scenario) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-fairness-\(getpid())-\(scenario.name)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try PlatformDatabase(path: dir.appendingPathComponent("fair.sqlite").path)
        let host = try await StrategyHost()
        let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
        let registry = LocalRegistry(db: db)
        var options = APIOptions()
        options.bcryptCost = 4
        options.metricsToken = "bench-operator"
        let secrets = try APISecrets.load(directory: dir.path)
        let api = await PlatformAPI(db: db, secrets: secrets, validator: ProcessValidator(host: host), coordinator: coordinator,
                                    registry: registry, options: options)
        let port = try LoopbackHTTP.freePort()
        var quiet = Logger(label: "tradectl.bench.fairness")
        quiet.logLevel = .critical
        let app = api.application(host: "127.0.0.1", port: port, logger: quiet)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        let http = LoopbackHTTP(port: UInt16(port))
        for _ in 0..<250 {
            if (try? http.request("GET", "/healthz").status) == 200 { break }
            try await Task.sleep(for: .milliseconds(20))
        }

        // Through the API: the tenants, their strategies (loaded in their sandbox workers as
        // uploads are) and one follower subscribed to each.
        let alice = try Self.register(http, "alice@example.com"), mallory = try Self.register(http, "mallory@example.com")
        let follower = try Self.register(http, "follower@example.com")
        let victim = try Self.upload(http, alice, name: "light", source: Self.light, symbols: ["BTCUSDT"])
        var attackers: [Int64] = []
        if scenario.attack {
            let sleeper = "import time\ndef main(df, ctx):\n    time.sleep(\(config.sleep))\n    return None\n"
            for i in 0..<config.sleepers { attackers.append(try Self.upload(http, mallory, name: "sleeper-\(i)", source: sleeper, symbols: ["BTCUSDT"])) }
            attackers.append(try Self.upload(http, mallory, name: "wide", source: Self.light,
                                             symbols: (0..<config.symbols).map { "S\($0)USDT" }))
        }
        for s in [victim] + attackers { try Self.subscribe(http, follower, strategy: s) }
        let victimVersion = try db.latestVersion(strategyID: victim).id

        let t0: Int64 = 1_704_067_200_000
        let clock = VirtualClock(virtualStart: t0, wallStart: VirtualClock.wallNow() + 8_000, speed: config.speed)
        let latencies = Mutex<[Int]>([])
        let measuredEnd = t0 + Int64(config.candles) * 60_000
        var settings = Worker.Settings()
        settings.until = t0 + Int64(config.candles + 2) * 60_000
        settings.name = "bench"
        settings.pauseAfter = config.pauseAfter
        if !scenario.budgets { settings.tenantShare = 1e9 }
        settings.onCommit = { event in
            if event.key.versionID == victimVersion, event.key.candleTime >= t0, event.key.candleTime < measuredEnd {
                latencies.withLock { $0.append(event.closeToCommitMicros) }
            }
        }
        let worker = Worker(coordinator: coordinator, registry: registry, source: SyntheticFeed(seed: 9, clock: clock), clock: clock,
                            settings: settings, logger: quiet)

        let flood = Flood(port: UInt16(port), attackerToken: mallory, metricsClients: scenario.attack ? config.metricsClients : 0,
                          streams: scenario.attack)
        flood.start()
        let tally = try await worker.run()
        let counts = await flood.stop()

        let last = t0 + Int64(config.candles - 1) * 60_000
        let rows = try db.executionSummary()
        let mine = rows.filter { $0.versionID == victimVersion && $0.candleTime >= t0 && $0.candleTime <= last }
        let attackerRows = rows.filter { $0.versionID != victimVersion }
        var result = Result(scenario: scenario, expected: config.candles, executed: mine.filter { $0.status == "ok" }.count,
                            skipped: mine.filter { $0.status == "skipped" }.count,
                            latencies: latencies.withLock { $0 }, periodMicros: Int(60_000_000 / config.speed))
        result.attackerExecuted = attackerRows.filter { $0.status != "skipped" }.count
        result.attackerSkipped = attackerRows.filter { $0.status == "skipped" }.count
        result.attackerThrottled = tally.throttled
        result.metricsOK = counts.metricsOK
        result.metricsLimited = counts.metricsLimited
        result.streamsOpened = counts.streamsOpened
        result.streamsRefused = counts.streamsRefused
        result.health = counts.health
        return result
    }

    static func register(_ http: LoopbackHTTP, _ email: String) throws -> String {
        let r = try http.request("POST", "/auth/register", json: #"{"email":"\#(email)","password":"bench-password"}"#)
        guard r.status == 201, let token = (try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["token"] as? String else {
            throw PlatformError(.invalidInput, "register \(email): \(r.status) \(String(decoding: r.body, as: UTF8.self))")
        }
        return token
    }

    static func upload(_ http: LoopbackHTTP, _ token: String, name: String, source: String, symbols: [String]) throws -> Int64 {
        let body = try JSONSerialization.data(withJSONObject: ["name": name, "source": source, "symbols": symbols, "timeframe": "1m", "lookback": 30])
        let r = try http.request("POST", "/api/strategy-upload/strategies", headers: ["Authorization": "Bearer \(token)"],
                                 json: String(decoding: body, as: UTF8.self))
        guard r.status == 201, let id = (try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])?["id"] as? Int else {
            throw PlatformError(.invalidInput, "upload \(name): \(r.status) \(String(decoding: r.body, as: UTF8.self))")
        }
        return Int64(id)
    }

    static func subscribe(_ http: LoopbackHTTP, _ token: String, strategy: Int64) throws {
        let r = try http.request("POST", "/api/strategies/\(strategy)/subscribe", headers: ["Authorization": "Bearer \(token)"],
                                 json: #"{"capital": 10000, "riskPerTrade": 0.01}"#)
        guard r.status == 201 else { throw PlatformError(.invalidInput, "subscribe: \(r.status)") }
    }

    static func table(_ results: [Result]) -> String {
        var lines = ["scenario              candles  ok  skipped  ≤period  p50 ms  p99 ms  max ms   attacker ok/skipped (throttled)  /metrics 200/429  streams open/429  healthz p99 ms"]
        for r in results {
            let o = r.object
            lines.append(r.scenario.name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " %8d %3d %8d %8d %7.1f %7.1f %7.1f   %8d/%-8d (%d)  %11d/%-6d %9d/%-6d %8.1f",
                                r.expected, r.executed, r.skipped, r.withinPeriod,
                                o["close_to_commit_p50_ms"] as? Double ?? 0, o["close_to_commit_p99_ms"] as? Double ?? 0,
                                o["close_to_commit_max_ms"] as? Double ?? 0, r.attackerExecuted, r.attackerSkipped, r.attackerThrottled,
                                r.metricsOK, r.metricsLimited, r.streamsOpened, r.streamsRefused, o["healthz_p99_ms"] as? Double ?? 0))
        }
        return lines.joined(separator: "\n")
    }
}

/// The attacker's request loops, each on its own thread: `/metrics` with the operator token,
/// event streams opened as fast as the server answers (the allowed ones held open), and a probe
/// timing `/healthz` every 20 ms.
final class Flood: Sendable {
    struct Counts {
        var metricsOK = 0, metricsLimited = 0, streamsOpened = 0, streamsRefused = 0
        var health: [Int] = []
    }

    let port: UInt16
    let attackerToken: String
    let metricsClients: Int
    let streams: Bool
    private let running = Atomic<Bool>(true)
    private let counts = Mutex(Counts())
    private let done = DispatchGroup()

    init(port: UInt16, attackerToken: String, metricsClients: Int, streams: Bool) {
        self.port = port
        self.attackerToken = attackerToken
        self.metricsClients = metricsClients
        self.streams = streams
    }

    func start() {
        for _ in 0..<metricsClients {
            spawn { [self] in
                let http = LoopbackHTTP(port: port)
                while running.load(ordering: .relaxed) {
                    let status = (try? http.request("GET", "/metrics", headers: ["Authorization": "Bearer bench-operator"]).status) ?? 0
                    counts.withLock { if status == 200 { $0.metricsOK += 1 } else if status == 429 { $0.metricsLimited += 1 } }
                }
            }
        }
        if streams {
            spawn { [self] in
                var held: [LoopbackHTTP] = []
                while running.load(ordering: .relaxed) {
                    let http = LoopbackHTTP(port: port)
                    let status = (try? http.request("GET", "/api/stream?token=\(attackerToken)", readBody: false).status) ?? 0
                    if status == 200 {
                        held.append(http)
                        counts.withLock { $0.streamsOpened += 1 }
                    } else {
                        http.close()
                        counts.withLock { if status == 429 { $0.streamsRefused += 1 } }
                    }
                }
                held.forEach { $0.close() }
            }
        }
        spawn { [self] in
            let http = LoopbackHTTP(port: port)
            while running.load(ordering: .relaxed) {
                let start = ContinuousClock.now
                if (try? http.request("GET", "/healthz").status) == 200 {
                    let micros = Int((ContinuousClock.now - start) / .microseconds(1))
                    counts.withLock { $0.health.append(micros) }
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        done.enter()
        Thread { [done] in
            body()
            done.leave()
        }.start()
    }

    /// Stops the loops and waits (suspended) for their threads to end.
    func stop() async -> Counts {
        running.store(false, ordering: .relaxed)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in done.notify(queue: .global()) { c.resume() } }
        return counts.withLock { $0 }
    }
}
