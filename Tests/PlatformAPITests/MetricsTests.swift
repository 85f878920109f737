import Foundation
import GRDB
import Hummingbird
import Platform
@testable import PlatformAPI
import Prometheus
import Testing

/// `/metrics` is for operators, and costs the same whatever the history (issue 12, finding 5).
@Suite("API: metrics")
struct MetricsTests {
    /// Stores `count` executions of one strategy version straight into the file, in one
    /// transaction, the way years of history would look to /metrics: `skipped` every tenth row.
    static func storeHistory(_ path: String, versionID: Int64, count: Int) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, lock_us, data_us, strategy_us,
                                        fanout_us, commit_us, created_at)
                VALUES (?, 'BTCUSDT', '1m', ?, ?, 10, 10, 700, 100, 180, 0)
                """)
            for i in 0..<count {
                try insert.execute(arguments: [versionID, Int64(i) * 60_000, i % 10 == 9 ? "skipped" : "ok"])
            }
        }
    }

    @Test("without the operator token /metrics is 401 and reveals nothing")
    func needsTheOperatorToken() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let anonymous = try await c.call(.get, "/metrics")
            #expect(anonymous.status == 401, "\(anonymous.text.prefix(200))")
            #expect(anonymous.text.contains("tradectl_executions_total") == false)
            let (_, user) = try await c.register("user@example.com")
            #expect(try await c.call(.get, "/metrics", token: user).status == 401, "a user's session token is not the operator token")
        }
    }

    @Test("with 100,000 executions stored, /metrics answers from the counters kept in the commit transaction")
    func answersFromCounters() async throws {
        var options = APIOptions()
        options.bcryptCost = 4
        options.metricsToken = "operator-secret"
        let h = try await APIHarness(options: options)
        let version = try h.db.createStrategy(ownerID: try h.db.createUser(name: "author"), name: "history",
                                              spec: StrategyVersionSpec(source: "def main(df):\n    return None\n", symbols: ["BTCUSDT"], timeframe: .m1))
        try Self.storeHistory(h.dir + "/api.sqlite", versionID: version.id, count: 100_000)
        // A skip recorded the ordinary way counts too.
        #expect(try h.db.recordSkipped(ExecutionKey(versionID: version.id, symbol: "BTCUSDT", timeframe: "1m", candleTime: -60_000),
                                       worker: "t", reason: "stale"))
        try await h.run { c in
            let m = try await c.call(.get, "/metrics", token: "operator-secret")
            #expect(m.status == 200)
            #expect(m.text.contains("tradectl_executions_total{status=\"ok\"} 90000"), "\(m.text.prefix(600))")
            #expect(m.text.contains("tradectl_executions_total{status=\"skipped\"} 10001"))
            #expect(m.text.contains("tradectl_execution_latency_seconds_count 90000"))
            #expect(m.text.contains("tradectl_execution_latency_seconds_bucket{le=\"0.001\"} 90000"))
            #expect(m.text.contains("tradectl_execution_latency_seconds_bucket{le=\"0.0005\"} 0"))

            // The figures are the counters' (kept by the commit), not a scan of `executions`: an
            // operator's correction of a counter shows as such.
            let queue = try DatabaseQueue(path: h.dir + "/api.sqlite")
            try await queue.write { db in try db.execute(sql: "UPDATE execution_counters SET count = count + 7 WHERE status = 'ok'") }
            #expect(try await c.call(.get, "/metrics", token: "operator-secret").text.contains("tradectl_executions_total{status=\"ok\"} 90007"))
            #expect(try await c.call(.get, "/metrics", token: "wrong").status == 401)
        }
    }

    @Test("/metrics is rate limited per client")
    func rateLimited() async throws {
        var options = APIOptions()
        options.bcryptCost = 4
        options.metricsToken = "operator-secret"
        options.metricsRequestsPerMinute = 5
        let h = try await APIHarness(options: options)
        try await h.run { c in
            for _ in 0..<5 { #expect(try await c.call(.get, "/metrics", token: "operator-secret").status == 200) }
            let limited = try await c.call(.get, "/metrics", token: "operator-secret")
            #expect(limited.status == 429)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test("after the database's counters come the process's swift-metrics (here: the event streams)")
    func exportsProcessMetrics() async throws {
        var options = APIOptions()
        options.bcryptCost = 4
        options.metricsToken = "operator-secret"
        options.metricsRequestsPerMinute = 1_000
        options.streamPoll = .milliseconds(50)
        let registry = PrometheusCollectorRegistry()
        let h = try await APIHarness(options: options, metrics: registry)
        try await h.run { c in
            let (_, user) = try await c.register("streamer@example.com")
            async let stream = c.call(.get, "/api/stream?seconds=2", token: user)
            for _ in 0..<100 where h.api.hub.openStreams < 1 { try await Task.sleep(for: .milliseconds(20)) }
            let m = try await c.call(.get, "/metrics", token: "operator-secret")
            #expect(m.text.contains("tradectl_execution_latency_seconds_count 0"))
            #expect(m.text.contains("tradectl_api_event_streams_open 1"), "\(m.text)")
            #expect(try await stream.status == 200)
            var closed = false
            for _ in 0..<50 where !closed {
                closed = try await c.call(.get, "/metrics", token: "operator-secret").text.contains("tradectl_api_event_streams_open 0")
                if !closed { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(closed, "the gauge falls back to 0 once the stream ends")
        }
    }
}
