import Foundation
import Synchronization
import Testing

/// Runs the built `tradectl` binary the way a user or a script would.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tradectl").path
    }

    static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var fixtures: String { root + "/Tests/StrategyRuntimeTests/Fixtures" }

    /// Runs tradectl with `arguments`; fails the test if it has not exited within `limit`. Waits
    /// suspended, so a long command does not hold a thread of the cooperative pool.
    static func run(_ arguments: [String], limit: Duration = .seconds(60)) async throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TRADECTL_HOME"] = root
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = PipeDrain(out.fileHandleForReading), stderr = PipeDrain(err.fileHandleForReading)
        let deadline = ContinuousClock.now + limit
        while p.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if p.isRunning {
            p.terminate()
            Issue.record("tradectl \(arguments.joined(separator: " ")) did not exit within \(limit)")
            for _ in 0..<250 where p.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: stdout.text, stderr: stderr.text)
    }

    /// A CSV of `n` one-minute candles: a slow rise, then a fall, then a rise (two SMA crosses).
    static func candleFile(_ n: Int = 240) throws -> String {
        var lines = ["timestamp,open,high,low,close,volume"]
        var price = 100.0
        for i in 0..<n {
            let step = i < n / 3 ? 0.4 : (i < 2 * n / 3 ? -0.5 : 0.6)
            let open = price
            price += step + sin(Double(i)) * 0.2
            lines.append("\(1_704_067_200 + i * 60),\(open),\(max(open, price) + 0.1),\(min(open, price) - 0.1),\(price),1")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-cli-\(UUID().uuidString).csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite(.serialized) struct CLITests {
    @Test func runPrintsSignalsAsJSON() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let r = try await CLI.run(["strategy", "run", CLI.fixtures + "/good_buy.py", "--candles", csv, "--symbol", "BTCUSDT",
                             "--timeframe", "1m", "--lookback", "100", "--json"])
        #expect(r.status == 0)
        let signals = r.json?["signals"] as? [[String: Any]]
        #expect(signals?.count == 1)
        #expect(signals?.first?["action"] as? String == "BUY")
        #expect(signals?.first?["time"] as? String == "2024-01-01T03:59:00Z")
    }

    @Test func failingStrategyPrintsTheErrorObjectAndExitsNonZero() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let r = try await CLI.run(["strategy", "run", CLI.fixtures + "/raises.py", "--candles", csv, "--symbol", "X",
                             "--timeframe", "1m", "--json"])
        #expect(r.status != 0)
        let error = r.json?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "exception")
        #expect((error?["traceback"] as? String)?.contains("boom from the strategy") == true)
    }

    @Test func aStrategyStuckInCAlwaysLetsTheCommandExit() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let r = try await CLI.run(["strategy", "run", CLI.fixtures + "/c_level_loop.py", "--candles", csv, "--symbol", "X",
                             "--timeframe", "1m", "--timeout-ms", "100", "--json"], limit: .seconds(30))
        #expect(r.status != 0)
        let code = (r.json?["error"] as? [String: Any])?["code"] as? String
        #expect(code == "quarantined" || code == "timeout")
    }

    @Test func checkReportsALoadErrorWithItsLine() async throws {
        let r = try await CLI.run(["strategy", "check", CLI.fixtures + "/syntax_error.py", "--json"])
        #expect(r.status != 0)
        let error = r.json?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "load")
        #expect(error?["line"] as? Int == 2)
    }

    @Test func malformedCSVNamesItsLine() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-bad-\(UUID().uuidString).csv").path
        try "time,open,high,low,close\n1704067200,1,2,0.5,1\n1704067260,1,two,0.5,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try await CLI.run(["strategy", "run", CLI.fixtures + "/good_buy.py", "--candles", path, "--symbol", "X",
                             "--timeframe", "1m", "--json"])
        #expect(r.status != 0)
        let message = (r.json?["error"] as? [String: Any])?["message"] as? String
        #expect(message?.contains("line 3") == true)
    }

    @Test func signalsWalksCandleByCandleWithoutLookahead() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let r = try await CLI.run(["signals", CLI.root + "/python/strategies/sma_crossover.py", "--candles", csv, "--symbol", "BTCUSDT",
                             "--timeframe", "1m", "--lookback", "60", "--json"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        // The series falls after candle 80 and rises after candle 160: one SELL cross, then one BUY cross.
        #expect(lines.map { $0["action"] as? String } == ["SELL", "BUY"])
        let times = lines.compactMap { $0["time"] as? String }
        #expect(times.count == 2 && times[0] < times[1])
        #expect(lines.allSatisfy { ($0["entryPrice"] as? Double ?? 0) > 0 })
    }
}

@Suite(.serialized) struct OpsCLITests {
    @Test func candlesImportAndScopedListings() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-ops-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("ops.sqlite").path
        let csv = try CLI.candleFile(50)
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let imported = try await CLI.run(["candles", "import", csv, "--symbol", "ETHUSDT", "--timeframe", "1m", "--db", db, "--json"])
        #expect(imported.json?["imported"] as? Int == 50)
        let bad = try await CLI.run(["candles", "import", csv, "--symbol", "ETHUSDT", "--timeframe", "7m", "--db", db, "--json"])
        #expect(bad.status != 0)
        #expect(((bad.json?["error"] as? [String: Any])?["message"] as? String)?.contains("timeframe") == true)

        let demo = try await CLI.run(["demo", "--subscribers", "6", "--candles", "5", "--pace", "30", "--db", db, "--json"], limit: .seconds(120))
        #expect(demo.status == 0)
        let users = try await CLI.run(["user", "list", "--db", db, "--json"])
        #expect(users.status == 0)
        // Subscription 1 belongs to the first trader; another user cannot see it.
        let owner = try await CLI.run(["subscription", "list", "--user", "4", "--db", db, "--json"])
        #expect(owner.stdout.contains("\"id\":\"1\""))
        let stranger = try await CLI.run(["subscription", "show", "1", "--user", "5", "--db", db, "--json"])
        #expect(stranger.status != 0)
        let executions = try await CLI.run(["executions", "list", "--db", db, "--limit", "3", "--json"])
        #expect(executions.status == 0 && executions.stdout.contains("candle_time"))
    }
}

extension CLITests {
    @Test func strategyRunAtProcessLevelStopsACLoopAndReportsTimeout() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let ok = try await CLI.run(["strategy", "run", CLI.fixtures + "/good_buy.py", "--candles", csv, "--symbol", "BTCUSDT",
                              "--timeframe", "1m", "--isolation", "process", "--json"])
        #expect((ok.json?["signals"] as? [[String: Any]])?.first?["action"] as? String == "BUY")
        let stuck = try await CLI.run(["strategy", "run", CLI.fixtures + "/c_level_loop.py", "--candles", csv, "--symbol", "BTCUSDT",
                                 "--timeframe", "1m", "--isolation", "process", "--timeout-ms", "200", "--json"], limit: .seconds(30))
        #expect(stuck.status != 0)
        #expect((stuck.json?["error"] as? [String: Any])?["code"] as? String == "timeout")
    }
}

/// Reads a pipe to its end on a thread of its own, so a command that writes more than the pipe
/// holds is never stalled by a test that waits for it to exit first.
final class PipeDrain: Sendable {
    private let data = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            let bytes = handle.readDataToEndOfFile()
            data.withLock { $0 = bytes }
            done.signal()
        }
    }

    /// Everything read, once the writer closed the pipe.
    var text: String {
        done.wait()
        return data.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

extension CLITests {
    /// In a process of its own (the suite's other tests would move the figures): 100 sub-interpreter
    /// strategies loaded, run and unloaded leave the threads and (nearly) the RSS where they were.
    /// Before the frames built in an interpreter were dropped with it, each kept ~100 KB (+96 MiB).
    @Test func unloadingSubInterpretersGivesBackThreadsAndMemory() async throws {
        let r = try await CLI.run(["bench", "unload", "--count", "100", "--json"], limit: .seconds(120))
        let j = try #require(r.json, "\(r.stdout) \(r.stderr)")
        let threads = (j["threads_before"] as? Int ?? -1, j["threads_after"] as? Int ?? -2)
        let rss = (j["rss_before_mib"] as? Double ?? 0, j["rss_after_mib"] as? Double ?? .infinity)
        #expect(threads.1 <= threads.0, "threads \(threads)")
        #expect(rss.1 - rss.0 < 8, "RSS \(rss) MiB")
    }
}
