import Foundation
import Platform
import StrategyRuntime
import TestSupport
import Testing

/// Several `tradectl worker` processes on one Redis and one SQLite file.
@Suite(.serialized) struct MultiWorkerTests {
    /// Signals on every candle, alternating BUY and SELL, so every execution writes orders.
    static let strategy = """
        def main(data, ctx):
            n = ctx.state.get("n", 0)
            ctx.state["n"] = n + 1
            return {"action": "BUY" if n % 2 == 0 else "SELL"}
        """
    static let virtualStart: Int64 = 1_704_067_200_000
    static let speed = 1_200.0  // one 1m candle every 50 ms of wall time

    struct Setup {
        let dir: URL
        let dbPath: String
        let version: StoredVersion
        let subscribers: Int
    }

    static func setUp(subscribers: Int = 20) throws -> Setup {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-workers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("platform.sqlite").path
        let db = try PlatformDatabase(path: path)
        let author = try db.createUser(name: "author")
        let version = try db.createStrategy(ownerID: author, name: "alternator",
                                            spec: StrategyVersionSpec(source: strategy, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 20))
        _ = try db.bulkSubscribers(prefix: "sub", count: subscribers, strategyID: version.strategyID) { i in
            try! SubscriptionTerms(capital: 1_000 + Double(i) * 10, riskPerTrade: 0.01, leverage: 2)
        }
        return Setup(dir: dir, dbPath: path, version: version, subscribers: subscribers)
    }

    static func startWorker(_ setup: Setup, redis: String, name: String, until: Int64) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["worker", "--db", setup.dbPath, "--redis", redis, "--feed", "synthetic", "--seed", "7",
                       "--speed", String(speed), "--virtual-start", String(virtualStart), "--start-file", StartSignal.file(in: setup.dir),
                       "--until", String(until), "--name", name, "--json"]
        var env = ProcessInfo.processInfo.environment
        env["TRADECTL_HOME"] = CLI.root
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits (suspended, not blocking a thread of the cooperative pool) for the workers to exit.
    static func waitForExit(_ processes: [Process], limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while processes.contains(where: \.isRunning) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        for p in processes where p.isRunning {
            Issue.record("worker \(p.processIdentifier) did not exit in time")
            kill(p.processIdentifier, SIGKILL)
        }
    }

    /// Every candle in [virtualStart, last] has exactly one execution row; none has two orders of
    /// the same purpose for one subscriber; most ran (rather than being skipped).
    static func checkExactlyOnce(_ setup: Setup, last: Int64) throws -> (ok: Int, skipped: Int) {
        let db = try PlatformDatabase(path: setup.dbPath)
        let rows = try db.executionSummary().filter { $0.candleTime >= virtualStart && $0.candleTime <= last }
        var byTime: [Int64: Int] = [:]
        for r in rows { byTime[r.candleTime, default: 0] += r.count }
        let expected = Array(stride(from: virtualStart, through: last, by: 60_000))
        let missing = expected.filter { byTime[$0] == nil }
        #expect(missing.isEmpty, "candles without an execution: \(missing.prefix(5).map { CandleCSV.isoString($0) })")
        #expect(byTime.values.allSatisfy { $0 == 1 }, "a candle executed twice")
        #expect(try db.duplicateOrders() == 0)
        let ok = rows.filter { $0.status == "ok" }.count
        return (ok, rows.filter { $0.status == "skipped" }.count)
    }

    @Test func threeWorkersOneKilledMidRunExecuteEachCandleOnce() async throws {
        let redis = try RedisHarness()
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let candles: Int64 = 240
        let until = Self.virtualStart + candles * 60_000
        let workers = try (0..<3).map { try Self.startWorker(setup, redis: redis.url, name: "w\($0)", until: until) }
        // The clocks start once every worker has its interpreter (and sandbox workers) up.
        let wallStart = try await StartSignal.go(StartSignal.file(in: setup.dir), workers: ["w0", "w1", "w2"])
        // Kill one worker a third of the way in, without warning.
        while VirtualClock.wallNow() < wallStart + 4_000 { try await Task.sleep(for: .milliseconds(50)) }
        kill(workers[0].processIdentifier, SIGKILL)
        try await Self.waitForExit(workers, limit: .seconds(60))
        let (ok, skipped) = try Self.checkExactlyOnce(setup, last: until - 5 * 60_000)
        #expect(ok >= Int(candles) * 8 / 10, "only \(ok) candles ran, \(skipped) were skipped")
        let byWorker = try PlatformDatabase(path: setup.dbPath).executionsByWorker()
        #expect((byWorker["w0"] ?? 0) > 0, "the killed worker never executed: \(byWorker)")
        #expect((byWorker["w1"] ?? 0) + (byWorker["w2"] ?? 0) > (byWorker["w0"] ?? 0), "the survivors did not carry on: \(byWorker)")
    }

    @Test func redisRestartedMidRunCausesNoDuplicateAndExecutionResumes() async throws {
        let redis = try RedisHarness()
        let setup = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let candles: Int64 = 200
        let until = Self.virtualStart + candles * 60_000
        let workers = try (0..<2).map { try Self.startWorker(setup, redis: redis.url, name: "r\($0)", until: until) }
        let wallStart = try await StartSignal.go(StartSignal.file(in: setup.dir), workers: ["r0", "r1"])
        while VirtualClock.wallNow() < wallStart + 3_000 { try await Task.sleep(for: .milliseconds(50)) }
        try redis.restart()
        let restartedAt = VirtualClock(virtualStart: Self.virtualStart, wallStart: wallStart, speed: Self.speed).now()
        try await Self.waitForExit(workers, limit: .seconds(60))
        _ = try Self.checkExactlyOnce(setup, last: until - 5 * 60_000)
        let db = try PlatformDatabase(path: setup.dbPath)
        let after = try db.executionSummary().filter { $0.candleTime > restartedAt + 5 * 60_000 && $0.status == "ok" }
        #expect(after.count >= 20, "execution did not resume after the Redis restart")
    }
}
