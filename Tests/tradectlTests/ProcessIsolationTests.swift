import Foundation
import StrategyRuntime
import Testing

/// The `process` level: strategies in `tradectl-sandbox` worker processes.
@Suite(.serialized) struct ProcessIsolationTests {
    static let switchable = """
        def main(data, ctx):
            mode = ctx.params.get("mode", "buy")
            if mode == "c-loop":
                return sum(range(2_000_000_000)) and None   # one C call that never yields
            if mode == "sleep":
                import time
                time.sleep(30)
            return {"action": "BUY"}
        """

    static func window() -> CandleWindow { SyntheticCandles(seed: 9).generate(60) }

    /// Starts a sleeping call and SIGKILLs the strategy's worker during it; returns the call's error.
    static func killMidCall(_ host: StrategyHost, _ s: Strategy, _ frame: CandleFrame) async throws -> StrategyError? {
        let pid = try #require(s.workerPID)
        let killer = Task.detached {
            try await Task.sleep(for: .milliseconds(300))
            kill(pid, SIGKILL)
        }
        let e = await #expect(throws: StrategyError.self) {
            try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "sleep"}"#))
        }
        _ = try await killer.value
        return e
    }

    static var limits: StrategyLimits {
        var l = StrategyLimits()
        l.timeout = .milliseconds(400)
        return l
    }

    @Test func aProcessLevelStrategyGivesTheSameSignalAsShared() async throws {
        let host = try await StrategyHost()
        let source = StrategySource(id: "switchable", code: Self.switchable)
        let remote = try await host.load(source, isolation: .process, limits: Self.limits)
        let local = try await host.load(source, isolation: .shared, limits: Self.limits)
        let frame = try host.frame(Self.window())
        let a = try await host.run(remote, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "buy"}"#))
        let b = try await host.run(local, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "buy"}"#))
        #expect(a.signals == b.signals)
        #expect(a.signals.first?.action == .buy)
        #expect(remote.isolation == .process)
    }

    /// The worker keeps the 8 newest frames and the host sends candles only for a frame the
    /// worker does not hold, as the newest candles after a held frame when the window continues
    /// one: strategies sharing a worker, called on 12 sliding frames out of order, on a frame with
    /// one revised candle, and again after the worker is killed, always see the whole frame they
    /// were called on.
    @Test func framesSentOnceStayInStepWithTheWorker() async throws {
        let host = try await StrategyHost()
        let code = """
            def main(data):
                print(int(data.index[0].value), len(data))
                total = float(data["open"].sum() + data["high"].sum() + data["low"].sum() + data["close"].sum())
                return {"action": "BUY", "stopLoss": float(data["close"].iloc[-1]) - 1,
                        "takeProfit": total + float(data["volume"].sum()) / 1e9}
            """
        var a = StrategySource(id: "frames-a", code: code), b = StrategySource(id: "frames-b", code: code)
        a.author = "frames"
        b.author = "frames"
        let sa = try await host.load(a, isolation: .process, limits: Self.limits)
        let sb = try await host.load(b, isolation: .process, limits: Self.limits)
        #expect(sa.workerPID == sb.workerPID)
        let series = SyntheticCandles(seed: 4).generate(80)
        var windows = (0..<12).map { series.window(endingAt: 40 + $0, lookback: 30) }
        var revised = windows[5]
        revised.close[3] += 0.5  // same times as frame 5, one candle revised: not a continuation of any
        windows.append(revised)
        let frames = try windows.map { try host.frame($0) }
        var order = Array(0..<12) + [12, 6] + Array((0..<12).reversed()) + [3, 3, 11, 0, 7, 7, 1, 10, 12]
        order += order.shuffled()
        func check(_ i: Int) async throws {
            let w = windows[i]
            let total = [w.open, w.high, w.low, w.close].map { $0.reduce(0, +) }.reduce(0, +) + w.volume.reduce(0, +) / 1e9
            for s in [sa, sb] {
                let out = try await host.run(s, on: frames[i], context: StrategyCallContext())
                #expect(out.stdout == "\(w.times[0] * 1_000_000) 30\n", "frame \(i)")
                #expect(out.signals.first?.stopLoss == w.close.last! - 1, "frame \(i)")
                #expect(abs((out.signals.first?.takeProfit ?? 0) - total) < 1e-3, "frame \(i)")  // the revision is 0.5
            }
        }
        for i in order { try await check(i) }
        let pid = try #require(sa.workerPID)
        kill(pid, SIGKILL)
        try await Task.sleep(for: .milliseconds(100))
        for i in [5, 5, 6, 12] { try await check(i) }  // a fresh worker holds no frame: each is sent again
        #expect(sa.workerPID != pid)
    }

    @Test func aCLevelLoopGetsItsWorkerKilledAndTheStrategyRunsAgain() async throws {
        let host = try await StrategyHost()
        let s = try await host.load(StrategySource(id: "loop", code: Self.switchable), isolation: .process, limits: Self.limits)
        let frame = try host.frame(Self.window())
        let e = await #expect(throws: StrategyError.self) {
            try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "c-loop"}"#))
        }
        #expect(e?.code == .timeout)
        // A fresh worker, with the strategy reloaded: the next call answers.
        let ok = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "buy"}"#))
        #expect(ok.signals.first?.action == .buy)
    }

    @Test func aWorkerThatDiesMidCallIsACrashAndTheNextCallRecovers() async throws {
        let host = try await StrategyHost()
        var limits = Self.limits
        limits.timeout = .seconds(20)
        let s = try await host.load(StrategySource(id: "sleeper", code: Self.switchable), isolation: .process, limits: limits)
        let frame = try host.frame(Self.window())
        #expect(try await Self.killMidCall(host, s, frame)?.code == .crashed)
        let ok = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "buy"}"#))
        #expect(ok.signals.first?.action == .buy)
        // A worker killed while idle is replaced transparently.
        kill(try #require(s.workerPID), SIGKILL)
        usleep(200_000)
        let again = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "buy"}"#))
        #expect(again.signals.first?.action == .buy)
    }

    @Test func loadErrorsComeBackTyped() async throws {
        let host = try await StrategyHost()
        let e = await #expect(throws: StrategyError.self) {
            try await host.load(StrategySource(id: "broken", code: "def main(data):\n    x = (\n"), isolation: .process)
        }
        #expect(e?.code == .load)
        #expect(e?.line == 2)
    }
}

extension ProcessIsolationTests {
    static var fixtures: String { CLI.root + "/Tests/StrategyRuntimeTests/Fixtures" }

    /// The hostile fixtures at `process`: each is contained with a typed error, the marker files
    /// are never created, and a good strategy on the same host still answers.
    @Test(arguments: [
        ("infinite_loop", "timeout"), ("sleep_forever", "timeout"), ("c_level_loop", "timeout"), ("recursion", "exception"),
        ("memory_bytearray", "memory"), ("memory_numpy", "memory"), ("escape_os_system", "sandbox"),
        ("escape_subprocess", "sandbox"), ("escape_fork_exec", "sandbox"), ("escape_write_file", "sandbox"),
        ("escape_read_shadow", "sandbox"), ("escape_socket", "sandbox"), ("escape_ctypes", "sandbox"), ("os_exit", "sandbox"),
        ("sys_exit", "exception"), ("bad_nan", "invalid-signal"), ("monkeypatch_pandas", "sandbox"), ("fake_timeout", "exception"),
    ])
    func hostileFixturesAreContained(fixture: String, code: String) async throws {
        let host = try await StrategyHost()
        var limits = StrategyLimits()
        limits.timeout = .milliseconds(400)
        limits.memoryBytes = 256 << 20
        let frame = try host.frame(Self.window())
        let markers = ["/tmp/tradectl-escape-os-system", "/tmp/tradectl-escape-subprocess", "/tmp/tradectl-escape-fork-exec",
                       "/tmp/tradectl-escape-write"]
        for m in markers { try? FileManager.default.removeItem(atPath: m) }
        let source = try StrategySource(file: "\(Self.fixtures)/\(fixture).py")
        let e = await #expect(throws: StrategyError.self) {
            let s = try await host.load(source, isolation: .process, limits: limits)
            _ = try await host.run(s, on: frame)
        }
        #expect(e?.code.description == code, "\(fixture): \(e.map { "\($0)" } ?? "no error")")
        for m in markers { #expect(!FileManager.default.fileExists(atPath: m)) }
        let good = try await host.load(StrategySource(id: "good-after-\(fixture)", code: Self.switchable), isolation: .process, limits: limits)
        #expect(try await host.run(good, on: frame, context: StrategyCallContext(paramsJSON: "{}")).signals.first?.action == .buy)
    }
}

extension ProcessIsolationTests {
    @Test func aWorkerIsRecycledAfterKCalls() async throws {
        var config = HostConfiguration.discovered
        config.workerRecycleCalls = 3
        let host = try await StrategyHost(configuration: config)
        let s = try await host.load(StrategySource(id: "recycled", code: Self.switchable), isolation: .process, limits: Self.limits)
        let frame = try host.frame(Self.window())
        var pids: [Int32] = []
        for _ in 0..<4 {
            let out = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: "{}"))
            #expect(out.signals.first?.action == .buy)
            if let pid = s.workerPID { pids.append(pid) }
        }
        // Calls 1–2 on the first worker; the third call retires it; the fourth runs on a new one.
        #expect(Set(pids).count == 2, "\(pids)")
    }

    /// A worker whose RSS passed `workerRSSLimit` is replaced after the call that grew it; a
    /// worker below the limit is kept.
    @Test func aWorkerPastItsRSSLimitIsRecycled() async throws {
        var config = HostConfiguration.discovered
        config.workerRSSLimit = 600 << 20
        let host = try await StrategyHost(configuration: config)
        var limits = Self.limits
        limits.memoryBytes = 2 << 30
        limits.timeout = .seconds(10)  // writing 700 MB takes a while in a debug build
        let code = """
            KEPT = []
            def main(data, ctx):
                if ctx.params.get("grow"):
                    KEPT.append(b"x" * (700 << 20))   # written, so resident
                return {"action": "BUY"}
            """
        let s = try await host.load(StrategySource(id: "grower", code: code), isolation: .process, limits: limits)
        let frame = try host.frame(Self.window())
        _ = try await host.run(s, on: frame)
        let first = try #require(s.workerPID)
        try await Task.sleep(for: .milliseconds(300))  // past the 250 ms between RSS checks
        _ = try await host.run(s, on: frame)
        #expect(s.workerPID == first, "a worker below the limit is kept")
        try await Task.sleep(for: .milliseconds(300))
        let grown = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"grow": true}"#))
        #expect(grown.signals.first?.action == .buy, "the call that grew the worker still gets its result")
        _ = try await host.run(s, on: frame)
        let second = try #require(s.workerPID)
        #expect(second != first, "the grown worker was replaced")
    }

    /// Bytes a strategy writes to the process's stdout (here through `sys.__stdout__`; `os.write`
    /// is refused by the sandbox) never reach the channel: the worker moved it off descriptor 1.
    @Test func writesToStdoutDoNotCorruptTheChannel() async throws {
        let host = try await StrategyHost()
        let code = """
            import sys
            def main(data, ctx):
                sys.__stdout__.write("\\x05\\x00\\x00\\x00garbage that looks like a frame")
                sys.__stdout__.flush()
                print("captured")
                return {"action": "SELL"}
            """
        let s = try await host.load(StrategySource(id: "fd1-writer", code: code), isolation: .process, limits: Self.limits)
        let frame = try host.frame(Self.window())
        for _ in 0..<3 {
            let out = try await host.run(s, on: frame)
            #expect(out.signals.first?.action == .sell)
            #expect(out.stdout == "captured\n")
        }
        let pid = try #require(s.workerPID)
        _ = try await host.run(s, on: frame)
        #expect(s.workerPID == pid, "no restart: the worker was never taken for crashed")
    }
}

extension ProcessIsolationTests {
    @Test func strategiesShareAWorkerOnlyWithTheirAuthor() async throws {
        let host = try await StrategyHost()
        func load(_ id: String, author: String?) async throws -> Strategy {
            var source = StrategySource(id: id, code: Self.switchable)
            source.author = author
            return try await host.load(source, isolation: .process, limits: Self.limits)
        }
        let a1 = try await load("a1", author: "alice"), a2 = try await load("a2", author: "alice")
        let b1 = try await load("b1", author: "bob"), anonymous = try await load("x", author: nil)
        let frame = try host.frame(Self.window())
        for s in [a1, a2, b1, anonymous] { _ = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: "{}")) }
        let pids = [a1, a2, b1, anonymous].map(\.workerPID)
        #expect(pids[0] != nil && pids[0] == pids[1])
        #expect(Set(pids.compactMap { $0 }).count == 3)
        // Alice's runaway strategy kills her worker; her other strategy is reloaded on the new one, Bob's is untouched.
        let bobPID = b1.workerPID
        await #expect(throws: StrategyError.self) {
            _ = try await host.run(a1, on: frame, context: StrategyCallContext(paramsJSON: #"{"mode": "c-loop"}"#))
        }
        #expect(try await host.run(a2, on: frame, context: StrategyCallContext(paramsJSON: "{}")).signals.first?.action == .buy)
        #expect(b1.workerPID == bobPID)
    }
}

extension ProcessIsolationTests {
    @Test func aStrategyWhoseWorkerKeepsCrashingIsQuarantined() async throws {
        let host = try await StrategyHost()
        var limits = Self.limits
        limits.timeout = .seconds(20)
        let s = try await host.load(StrategySource(id: "crashy", code: Self.switchable), isolation: .process, limits: limits)
        let frame = try host.frame(Self.window())
        for round in 1...3 {
            _ = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: "{}"))  // (re)starts the worker
            #expect(try await Self.killMidCall(host, s, frame)?.code == .crashed, "round \(round)")
        }
        let e = await #expect(throws: StrategyError.self) { try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: "{}")) }
        #expect(e?.code == .quarantined)
        #expect(s.quarantineReason?.contains("crashed 3 times") == true)
    }
}

extension ProcessIsolationTests {
    /// 20 strategies from 5 authors at `process`, one of them hostile: the 19 others give exactly the
    /// signals they give when run alone at `shared`.
    @Test func aHostileStrategyDoesNotChangeTheOthersSignals() async throws {
        let host = try await StrategyHost()
        let code = """
            def main(data, ctx):
                n = ctx.params["n"]
                closes = data["close"]
                if n == 0:  # the hostile one: a C loop on every 20th candle
                    if int(data.index[-1].timestamp()) // 60 % 20 == 0:
                        return sum(range(3_000_000_000)) and None
                    return None
                fast = sum(closes.iloc[-n:]) / n
                slow = sum(closes.iloc[-2 * n:]) / (2 * n)
                return {"action": "BUY" if fast > slow else "SELL"}
            """
        var remote: [Strategy] = [], local: [Strategy] = []
        for i in 0..<20 {
            var source = StrategySource(id: "s\(i)", code: code)
            source.author = "author\(i % 5)"
            remote.append(try await host.load(source, isolation: .process, limits: Self.limits))
            local.append(try await host.load(source, isolation: .shared, limits: Self.limits))
        }
        let series = SyntheticCandles(seed: 21).generate(160)
        var mismatches = 0, hostileErrors = 0
        for end in 40..<series.count {
            let frame = try host.frame(series.window(endingAt: end, lookback: 40))
            for i in 0..<20 {
                let context = StrategyCallContext(paramsJSON: #"{"n": \#(i == 0 ? 0 : 2 + i % 6)}"#)
                if i == 0 {
                    do {
                        _ = try await host.run(remote[i], on: frame, context: context)
                    } catch {
                        #expect(error.code == .timeout)
                        hostileErrors += 1
                    }
                    continue
                }
                let a = try await host.run(remote[i], on: frame, context: context).signals
                let b = try await host.run(local[i], on: frame, context: context).signals
                if a != b { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(hostileErrors > 0)
    }
}

extension ProcessIsolationTests {
    /// RLIMIT_CPU: a worker past its CPU seconds is ended by the kernel; the call gets `crashed`,
    /// and the next call runs on a fresh worker.
    @Test func aWorkerPastItsCPULimitIsEndedAndReplaced() async throws {
        var config = HostConfiguration.discovered
        config.workerCPUSeconds = 3
        let host = try await StrategyHost(configuration: config)
        var limits = StrategyLimits()
        limits.timeout = .seconds(20)  // the CPU limit, not the deadline, must end this call
        let code = """
            def main(df, ctx):
                if ctx.params.get("burn"):
                    sum(range(10 ** 11))
                return {"action": "BUY"}
            """
        let s = try await host.load(StrategySource(id: "cpu-burner", code: code), isolation: .process, limits: limits)
        let frame = try host.frame(Self.window())
        let first = s.workerPID
        do {
            _ = try await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: #"{"burn": true}"#))
            Issue.record("a call past RLIMIT_CPU returned")
        } catch {
            #expect(error.code == .crashed, "\(error)")
        }
        var after: StrategyOutcome?
        for _ in 0..<3 where after == nil {
            after = try? await host.run(s, on: frame, context: StrategyCallContext(paramsJSON: "{}"))
        }
        #expect(after?.signals.first?.action == .buy)
        #expect(s.workerPID != first)
    }
}
