import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// The body of `tradectl bench live`: a simulator process, one router, one signal.
struct LiveBench {
    let simulator: String
    let subscribers: Int
    let keys: Int
    let concurrency: Int
    let ordersPerWindow: Int
    let orderWindowMs: Int64

    struct Report {
        var subscribers: Int
        var placed: Int
        var accepted: Int
        var reusedClientIDs: Int
        var failed: Int
        var tooManyRequests: Int
        var bans: Int
        var requests: Int
        var wallMs: Double
        var overheadP50us: Double
        var overheadP90us: Double
        var overheadP99us: Double

        var exactlyOnce: Bool { placed == subscribers && accepted == subscribers && reusedClientIDs == 0 && failed == 0 }

        var object: [String: Any] {
            ["subscribers": subscribers, "placed": placed, "accepted_by_exchange": accepted, "reused_client_ids": reusedClientIDs,
             "failed": failed, "http_429": tooManyRequests, "http_418": bans, "requests": requests, "wall_ms": wallMs,
             "overhead_p50_us": overheadP50us, "overhead_p90_us": overheadP90us, "overhead_p99_us": overheadP99us,
             "exactly_once": exactlyOnce]
        }

        var text: String {
            """
            subscribers          \(subscribers)
            placed (router)      \(placed)   accepted (exchange) \(accepted)   reused client ids \(reusedClientIDs)   failed \(failed)
            HTTP 429 / 418       \(tooManyRequests) / \(bans)
            requests             \(requests)
            wall                 \(String(format: "%.0f", wallMs)) ms
            connector overhead   p50 \(String(format: "%.1f", overheadP50us)) µs   p90 \(String(format: "%.1f", overheadP90us)) µs   p99 \(String(format: "%.1f", overheadP99us)) µs per order
            exactly once         \(exactlyOnce ? "yes" : "NO")
            """
        }
    }

    /// Credentials kept in memory for the benchmark's simulated accounts.
    final class MemoryKeyring: CredentialKeyring {
        let keys: [ExchangeCredentials]
        init(keys: [ExchangeCredentials]) { self.keys = keys }
        func credentials(userID: Int64, credentialID: String) async throws(ExchangeError) -> ExchangeCredentials {
            keys[Int(userID) % keys.count]
        }
    }

    func run() async throws -> Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: simulator)
        process.arguments = ["--accounts", String(keys), "--orders-per-window", String(ordersPerWindow), "--order-window-ms", String(orderWindowMs)]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        defer {
            try? stdin.fileHandleForWriting.close()
            if process.isRunning { process.terminate() }
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ValidationError("the simulator exited before listening") }
            line += chunk
        }
        guard let text = String(data: line, encoding: .utf8), let port = Int(text.split(separator: "\n")[0].dropFirst("port=".count)) else {
            throw ValidationError("the simulator did not report its port")
        }
        let base = "http://127.0.0.1:\(port)"
        let http = ExchangeHTTP(timeoutMs: 10_000, connectionsPerHost: concurrency)
        let connectors = ExchangeConnectors(endpoints: .all(at: base), http: http)
        let credentials = try (0..<keys).map { try ExchangeCredentials(venue: .binanceSpot, apiKey: "key\($0)", secret: "secret\($0)") }
        var settings = LiveOrderRouter.Settings()
        settings.concurrency = concurrency
        let router = LiveOrderRouter(connectors: connectors, keyring: MemoryKeyring(keys: credentials), settings: settings)
        let key = ExecutionKey(versionID: 1, symbol: "BTCUSDT", timeframe: "1m", candleTime: Timeframe.m1.floor(VirtualClock.wallNow()) - 60_000)
        // The signal's BUY mirrored per subscriber: one market order of 0.001 BTC each.
        let placements = (0..<subscribers).map { i in
            LivePlacement(key: key, subscriptionID: Int64(i + 1), userID: Int64(i), credentialID: "bench",
                          order: Order(id: 1, tag: "sig:open.1", side: .buy, type: .market, quantity: 0.001, purpose: .open, placedAt: key.candleTime))
        }
        // Warm up: symbol rules, rate limits and the clock offset, outside the measurement.
        _ = try await connectors.connector(.binanceSpot)!.symbol("BTCUSDT")
        _ = try await connectors.connector(.binanceSpot)!.serverTime()
        let start = ContinuousClock.now
        let results = await router.submit(placements)
        let wall = ContinuousClock.now - start
        let stats = try await Self.stats(base, http)
        await connectors.shutdown()
        let overhead = results.map { Double($0.localNanos) / 1_000 }.sorted()
        func pct(_ p: Double) -> Double { overhead.isEmpty ? 0 : overhead[min(overhead.count - 1, Int(Double(overhead.count) * p))] }
        return Report(subscribers: subscribers, placed: results.filter { $0.outcome.order != nil }.count,
                      accepted: stats["ordersAccepted"] ?? -1, reusedClientIDs: stats["reusedClientIDs"] ?? -1,
                      failed: results.filter { $0.outcome.order == nil }.count, tooManyRequests: stats["tooManyRequests"] ?? -1,
                      bans: stats["bans"] ?? -1, requests: results.reduce(0) { $0 + $1.requests },
                      wallMs: Double(wall.components.seconds) * 1_000 + Double(wall.components.attoseconds) / 1e15,
                      overheadP50us: pct(0.5), overheadP90us: pct(0.9), overheadP99us: pct(0.99))
    }

    /// The simulator's counters (`GET /sim/stats`).
    static func stats(_ base: String, _ http: ExchangeHTTP) async throws -> [String: Int] {
        let data = try await http.get(base + "/sim/stats")
        return (try JSONSerialization.jsonObject(with: Data(data)) as? [String: Int]) ?? [:]
    }
}
