import Foundation
import Platform
import StrategyRuntime
import Testing

/// One tenant's legal but heavy code must not cost another tenant a candle (issue 12, finding 4).
/// Real `process` workers, a real SQLite file and a real `tradectl worker` on an accelerated clock:
/// one 1m candle every 750 ms of wall time. Every assertion is a count of execution rows.
@Suite("fair scheduler", .serialized)
struct FairSchedulerTests {
    static let t0: Int64 = 1_704_067_200_000
    static let speed = 80.0  // a 1m candle every 750 ms
    static let candles: Int64 = 20

    static let light = """
        def main(df, ctx):
            return {"action": "BUY"} if df["close"].iloc[-1] > df["close"].iloc[-2] else {"action": "SELL"}
        """

    /// Legal: sleeps just under the 2 s call limit, on every call.
    static let sleeper = """
        import time
        def main(df, ctx):
            time.sleep(1.9)
            return None
        """

    /// Passes upload validation on the day it is uploaded, then sleeps at import (past the load limit).
    static let timeBomb = """
        import time
        time.sleep(60)
        def main(df, ctx):
            return None
        """

    static func sleepy(_ seconds: Double) -> String {
        """
        import time
        def main(df, ctx):
            time.sleep(\(seconds))
            return None
        """
    }

    struct Setup {
        let dir: URL
        let db: PlatformDatabase
        let victim: StoredVersion
        let attackers: [StoredVersion]
    }

    /// The attacker's strategies first (lower ids run first in the old scheduler), then the
    /// victim's light one; each with one subscriber so the registry runs it.
    static func setUp(attacker: [(source: String, symbols: [String])]) throws -> Setup {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-fair-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try PlatformDatabase(path: dir.appendingPathComponent("fair.sqlite").path)
        let mallory = try db.createUser(name: "mallory")
        let alice = try db.createUser(name: "alice")
        let follower = try db.createUser(name: "follower")
        let terms = try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.01, leverage: 1)
        var attackers: [StoredVersion] = []
        for (i, a) in attacker.enumerated() {
            let v = try db.createStrategy(ownerID: mallory, name: "heavy-\(i)",
                                          spec: StrategyVersionSpec(source: a.source, symbols: a.symbols, timeframe: .m1, lookback: 20,
                                                                    isolation: .process))
            _ = try db.subscribe(userID: follower, strategyID: v.strategyID, terms: terms)
            attackers.append(v)
        }
        let victim = try db.createStrategy(ownerID: alice, name: "light",
                                           spec: StrategyVersionSpec(source: light, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 20,
                                                                     isolation: .process))
        _ = try db.subscribe(userID: follower, strategyID: victim.strategyID, terms: terms)
        return Setup(dir: dir, db: db, victim: victim, attackers: attackers)
    }

    /// What `tradectl worker --json` printed at the end.
    struct Tally: CustomStringConvertible {
        let fields: [String: Any]
        func count(_ key: String) -> Int { fields[key] as? Int ?? -1 }
        var throttled: Int { count("throttled") }
        var loadFailures: Int { count("load_failures") }
        var paused: Int { count("paused") }
        var description: String { "\(fields)" }
    }

    /// Runs one `tradectl worker` (its own process, as in production: nothing else in the test
    /// process competes with its scheduling loop) over `candles` one-minute candles from `t0`, and
    /// returns the rows of the victim's candles in [t0, last], with the worker's tally.
    static func run(_ setup: Setup, options: [String] = []) async throws
        -> (statuses: [Int64: String], last: Int64, tally: Tally, why: [String: Int]) {
        let start = StartSignal.file(in: setup.dir)
        async let run = CLI.run(["worker", "--db", setup.dir.appendingPathComponent("fair.sqlite").path, "--feed", "synthetic", "--seed", "5",
                                 "--speed", String(speed), "--virtual-start", String(t0), "--start-file", start,
                                 "--until", String(t0 + candles * 60_000), "--name", "fair", "--json"] + options, limit: .seconds(180))
        _ = try await StartSignal.go(start, workers: ["fair"])
        let worker = try await run
        #expect(worker.status == 0, "\(worker.stderr.suffix(2_000))")
        let tally = Tally(fields: worker.json ?? [:])
        // The last two candles may close as the worker stops.
        let last = t0 + (candles - 3) * 60_000
        var statuses: [Int64: String] = [:]
        for row in try setup.db.executionSummary() where row.versionID == setup.victim.id && row.candleTime >= t0 && row.candleTime <= last {
            statuses[row.candleTime] = row.status
        }
        // Why the light tenant's candles were skipped, if any were: the reason's first words.
        var why: [String: Int] = [:]
        for e in try setup.db.executions(ownerID: setup.victim.ownerID ?? 0, strategyID: setup.victim.strategyID, limit: 200, offset: 0).items
        where e.status == "skipped" {
            why[String((e.errorMessage ?? "").prefix(60)), default: 0] += 1
        }
        return (statuses, last, tally, why)
    }

    static func expectEveryCandleRan(_ result: (statuses: [Int64: String], last: Int64, tally: Tally, why: [String: Int]), _ what: String) {
        let (statuses, last) = (result.statuses, result.last)
        let expected = Array(stride(from: t0, through: last, by: 60_000))
        let ran = expected.filter { statuses[$0] == "ok" }
        let skipped = expected.filter { statuses[$0] == "skipped" }
        #expect(ran.count == expected.count,
                "\(what): the light tenant ran \(ran.count) of its \(expected.count) candles, \(skipped.count) skipped, \(expected.count - ran.count - skipped.count) missing; skipped because \(result.why); \(result.tally)")
    }

    @Test("a strategy sleeping just under its limit on every call costs another tenant no candle")
    func sleeperDoesNotStarveAnotherTenant() async throws {
        let setup = try Self.setUp(attacker: [(Self.sleeper, ["BTCUSDT"])])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        Self.expectEveryCandleRan(try await Self.run(setup), "beside a 1.9 s sleeper")
    }

    @Test("a module that sleeps at import (a time bomb) never holds the scheduling pass")
    func timeBombLoadDoesNotHoldThePass() async throws {
        let setup = try Self.setUp(attacker: [(Self.timeBomb, ["BTCUSDT"])])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let result = try await Self.run(setup)
        let tally = result.tally
        Self.expectEveryCandleRan(result, "beside a time bomb")
        // Each attempt takes the 10 s load limit, then waits 1 s, 2 s, …: at most two in the run.
        #expect((1...2).contains(tally.loadFailures), "\(tally.loadFailures) load attempts")
    }

    @Test("a module that fails at import is retried with exponential backoff, never on every pass, then paused with its error")
    func failingLoadBacksOffThenPauses() async throws {
        let setup = try Self.setUp(attacker: [("raise RuntimeError('boom at import')\ndef main(df):\n    return None\n", ["BTCUSDT"])])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let result = try await Self.run(setup, options: ["--load-retry-ms", "200", "--load-retry-cap-ms", "1000", "--pause-after-load-failures", "4"])
        let tally = result.tally
        Self.expectEveryCandleRan(result, "beside a failing import")
        // Attempts at 0, 0.2, 0.6 and 1.4 s (+ each load's own time), then the pause: four, not one per 20 ms pass.
        #expect(tally.loadFailures == 4, "\(tally.loadFailures) load attempts")
        #expect(tally.paused == 1)
        let attacker = try setup.db.strategySummary(id: setup.attackers[0].strategyID)
        #expect(attacker.pausedReason?.contains("failed to load 4 times") == true, "\(attacker.pausedReason ?? "not paused")")
        #expect(attacker.pausedReason?.contains("boom at import") == true)
    }

    @Test("a strategy over its time budget is throttled (skipped with the reason), then paused with a reason its author sees")
    func overBudgetIsThrottledThenPaused() async throws {
        // 0.9 s a call; its budget is half of a 750 ms candle: 375 ms per close.
        let setup = try Self.setUp(attacker: [(Self.sleepy(0.9), ["BTCUSDT"])])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        let result = try await Self.run(setup, options: ["--pause-after", "6"])
        let tally = result.tally
        Self.expectEveryCandleRan(result, "beside a strategy over its budget")
        #expect(tally.throttled >= 1)
        #expect(tally.paused == 1)
        let rows = try setup.db.listing(.executions(strategy: setup.attackers[0].strategyID, limit: 1_000))
        let ran = rows.filter { $0["status"] == "ok" }.count
        let throttled = try setup.db.executions(ownerID: setup.attackers[0].ownerID ?? 1, strategyID: setup.attackers[0].strategyID,
                                                limit: 200, offset: 0).items.filter { $0.errorMessage?.hasPrefix("throttled:") == true }
        #expect(ran >= 1, "it ran before it was throttled")
        #expect(!throttled.isEmpty, "no candle was recorded as throttled")
        #expect(throttled.first?.errorMessage?.contains("budget of 375 ms per candle close") == true, "\(throttled.first?.errorMessage ?? "")")
        let summary = try setup.db.strategySummary(id: setup.attackers[0].strategyID)
        let reason = try #require(summary.pausedReason)
        #expect(reason.contains("over its time budget of 375 ms per candle close"), "\(reason)")
        #expect(summary.pausedAt != nil)
        // Paused: the registry leaves it out until its author resumes it.
        #expect(try setup.db.activeVersions().map(\.strategyID) == [setup.victim.strategyID])
        // `tradectl strategy show` tells the operator why.
        let shown = try await CLI.run(["strategy", "show", String(setup.attackers[0].strategyID), "--db", setup.dir.appendingPathComponent("fair.sqlite").path, "--json"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("over its time budget"), "\(shown.stdout)")
    }

    @Test("one tenant's strategy on 50 symbols costs another tenant no candle")
    func manySymbolsDoNotStarveAnotherTenant() async throws {
        let symbols = (0..<50).map { "SYM\($0)USDT" }
        let setup = try Self.setUp(attacker: [(Self.sleepy(0.04), symbols)])
        defer { try? FileManager.default.removeItem(at: setup.dir) }
        Self.expectEveryCandleRan(try await Self.run(setup), "beside 50 symbols")
    }
}
