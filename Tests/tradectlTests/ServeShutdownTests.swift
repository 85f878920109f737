import Foundation
import Platform
import StrategyRuntime
import TestSupport
import Testing

/// SIGTERM drains `tradectl serve` (issue 13, item 1): no new execution starts, the running one
/// commits, the sandbox workers stop, then the process exits. A real `serve` on a temporary SQLite
/// file, its strategy at isolation `process` sleeping 1 s per call, killed during that call.
@Suite("serve: SIGTERM drains", .serialized)
struct ServeShutdownTests {
    static let t0: Int64 = 1_704_067_200_000
    static let sleeper = """
        import time
        def main(df, ctx):
            time.sleep(1.0)
            return {"action": "BUY"}
        """

    @Test("serve killed with SIGTERM during a candle exits within 2 s, with that execution committed and no sandbox process left")
    func sigtermDuringACandle() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-drain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("drain.sqlite").path
        let db = try PlatformDatabase(path: path)
        let author = try db.createUser(name: "author")
        let follower = try db.createUser(name: "follower")
        let version = try db.createStrategy(ownerID: author, name: "sleeper",
                                            spec: StrategyVersionSpec(source: Self.sleeper, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 20,
                                                                      isolation: .process))
        _ = try db.subscribe(userID: follower, strategyID: version.strategyID,
                             terms: try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.01, leverage: 1))

        // A 1m candle every 2 s of wall time: the 1 s call is the only thing running at the kill.
        let start = StartSignal.file(in: dir)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: CLI.binary)
        server.arguments = ["serve", "--db", path, "--port", String(try RedisHarness.freePort()), "--bcrypt-cost", "4", "--no-demo-seed",
                            "--feed", "synthetic", "--speed", "30", "--virtual-start", String(Self.t0), "--start-file", start, "--name", "drain"]
        var env = ProcessInfo.processInfo.environment
        env["TRADECTL_HOME"] = CLI.root
        server.environment = env
        let log = dir.appendingPathComponent("serve.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        server.standardOutput = FileHandle(forWritingAtPath: log)
        server.standardError = FileHandle(forWritingAtPath: log)
        try server.run()
        defer {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        }
        func serverLog() -> String { String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(3_000)) }
        _ = try await StartSignal.go(start, workers: ["drain"])

        // Wait (bounded) until the strategy is inside its call: a thread of the server's sandbox
        // worker sleeping in the kernel's nanosleep, before and after reading the committed rows
        // (so that call's execution is not among `before`).
        let pid = server.processIdentifier
        var inCall: (worker: Int32, thread: String, before: Set<Int64>)?
        let end = ContinuousClock.now + .seconds(60)
        while inCall == nil, server.isRunning, ContinuousClock.now < end {
            if let (worker, thread) = Self.sleepingThread(children: Self.sandboxChildren(of: pid)) {
                let before = try Self.okCandles(db, version: version.id)
                if Self.wchan(worker, thread) == "hrtimer_nanosleep" { inCall = (worker, thread, before) }
            }
            if inCall == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let (worker, _, before) = try #require(inCall, "no call of the strategy was seen running; serve's log: \(serverLog())")
        let children = Self.sandboxChildren(of: pid)
        let uid = try #require(KernelSandboxTests.threadStatus(worker)[String(worker)]?["Uid"]?.split(separator: "\t").first.flatMap { UInt32($0) })
        // A host's workers take uids in one block of 4,096 (StrategyHost.workerUID).
        let uids = (uid & ~0xFFF)...(uid | 0xFFF)

        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(2)
        while server.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!server.isRunning, "serve still running 2 s after SIGTERM; its log: \(serverLog())")
        if server.isRunning {
            for _ in 0..<500 where server.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            if server.isRunning { kill(pid, SIGKILL) }
        }
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0,
                "serve ended by \(server.terminationReason == .exit ? "exit" : "signal") \(server.terminationStatus); its log: \(serverLog())")

        let after = try Self.okCandles(db, version: version.id)
        #expect(after.isSuperset(of: before))
        #expect(after.subtracting(before).count == 1,
                "the call running at SIGTERM committed ok and nothing new ran: ok candles \(before.sorted()) before, \(after.sorted()) after")
        #expect(!children.isEmpty && children.allSatisfy { !Self.alive($0) }, "sandbox workers \(children) outlived serve")
        #expect(KernelSandboxTests.workers(uids).isEmpty, "processes of serve's sandbox uids outlived it: \(KernelSandboxTests.workers(uids))")
    }

    /// Candle times of the version's executions with status ok.
    static func okCandles(_ db: PlatformDatabase, version: Int64) throws -> Set<Int64> {
        Set(try db.executionSummary().filter { $0.versionID == version && $0.status == "ok" }.map(\.candleTime))
    }

    /// Live `tradectl-sandbox` processes whose parent is `pid`.
    static func sandboxChildren(of pid: Int32) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }) ?? []
        return pids.filter { child in
            guard alive(child), let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // Fields after "(comm)": state, ppid, …
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid
        }
    }

    /// A `tradectl-sandbox` process that exists and is not a zombie.
    static func alive(_ pid: Int32) -> Bool {
        guard let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              String(decoding: cmdline, as: UTF8.self).contains("tradectl-sandbox"),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return !(status.split(separator: "\n").first { $0.hasPrefix("State:") }?.contains("Z") ?? true)
    }

    /// The first thread of `children` asleep in nanosleep (Python's `time.sleep`).
    static func sleepingThread(children: [Int32]) -> (Int32, String)? {
        for pid in children {
            for tid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] where wchan(pid, tid) == "hrtimer_nanosleep" {
                return (pid, tid)
            }
        }
        return nil
    }

    static func wchan(_ pid: Int32, _ tid: String) -> String? {
        try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/wchan", encoding: .utf8)
    }
}
