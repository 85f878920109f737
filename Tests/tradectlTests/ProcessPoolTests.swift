import Foundation
import StrategyRuntime
import Testing

/// Placement, pool size and idle eviction of `process` workers, and the load test.
@Suite("process pool", .serialized)
struct ProcessPoolTests {
    static func momentum(_ lag: Int) -> String {
        """
        def main(df, ctx):
            c = df["close"]
            if c.iloc[-1] > c.iloc[-1 - \(lag)]:
                return {"action": "BUY"}
            if c.iloc[-1] < c.iloc[-1 - \(lag)]:
                return {"action": "SELL"}
            return {"action": "HOLD"}
        """
    }

    /// Hangs in C on every 100th minute (a deadline kill), else holds. Times are minute-aligned.
    static let hostile = """
        def main(df, ctx):
            if (df.index[-1].value // 60_000_000_000) % 100 == 0:
                sum(range(10 ** 12))
            return {"action": "HOLD"}
        """

    /// Runs a call again (up to 3 times) when it got `worker-restarted`.
    static func runRetrying(_ host: StrategyHost, _ s: Strategy, _ frame: CandleFrame) async -> StrategyOutcome? {
        for _ in 0..<3 {
            if let out = try? await host.run(s, on: frame) { return out }
        }
        return nil
    }

    @Test("an idle worker is stopped and its strategy reloads into a fresh one on the next call")
    func idleEviction() async throws {
        var config = HostConfiguration.discovered
        // Long enough that the worker is still there when the first call returns: in CI the
        // suite's blocking tests (subprocess waits) can hold this task off for seconds, and 2 s once
        // was not enough.
        config.workerIdleTimeout = .seconds(5)
        let host = try await StrategyHost(configuration: config)
        var source = StrategySource(id: "idle", code: Self.momentum(1))
        source.author = "idle-author"
        let s = try await host.load(source, isolation: .process)
        let frame = try host.frame(SyntheticCandles(seed: 3).generate(50))
        let before = try await host.run(s, on: frame)
        let pid = try #require(s.workerPID)
        var gone = false
        for _ in 0..<150 where !gone {  // ≤ 15 s
            try await Task.sleep(for: .milliseconds(100))
            gone = kill(pid, 0) != 0
        }
        #expect(gone, "the idle worker \(pid) is still running")
        let after = try await host.run(s, on: frame)
        #expect(after.signals == before.signals)
        #expect(s.workerPID != pid)
    }

    @Test("20 strategies of 5 authors on a pool of 4 workers, one hostile, 1,000 candles: the 19 others give exactly their solo signals")
    func loadTest() async throws {
        var config = HostConfiguration.discovered
        config.workerPoolSize = 4
        let host = try await StrategyHost(configuration: config)
        var limits = StrategyLimits()
        limits.timeout = .milliseconds(400)
        var strategies: [(Strategy, hostile: Bool)] = []
        var solo: [Strategy?] = []
        for i in 0..<20 {
            let hostile = i == 7
            var source = StrategySource(id: "load-\(i)", code: hostile ? Self.hostile : Self.momentum(1 + i % 9))
            source.author = "author-\(i % 5)"
            strategies.append((try await host.load(source, isolation: .process, limits: limits), hostile))
            solo.append(hostile ? nil : try await host.load(StrategySource(id: "solo-\(i)", code: source.code), isolation: .shared))
        }
        let pids = Set(strategies.compactMap { $0.0.workerPID })
        #expect(pids.count <= 4, "\(pids.count) workers for a pool of 4")

        let series = SyntheticCandles(seed: 11).generate(1_030)
        var mismatches = 0, compared = 0, hangsStopped = 0
        for end in 30..<1_030 {
            let frame = try host.frame(series.slice((end - 29)..<(end + 1)))
            for (i, (s, hostile)) in strategies.enumerated() {
                if hostile {
                    let hangs = (series.times[end] / 60_000) % 100 == 0
                    do {
                        _ = try await host.run(s, on: frame)
                    } catch {
                        if hangs && error.code == .timeout { hangsStopped += 1 }
                    }
                    continue
                }
                let pooled = await Self.runRetrying(host, s, frame)
                let alone = try await host.run(solo[i]!, on: frame)
                compared += 1
                if pooled?.signals != alone.signals { mismatches += 1 }
            }
        }
        #expect(compared == 19_000)
        #expect(mismatches == 0)
        #expect(hangsStopped == 10, "the hostile strategy hangs on 10 of the 1,000 candles; each is stopped with timeout")
    }
}
