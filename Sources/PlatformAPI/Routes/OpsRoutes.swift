import Foundation
import Hummingbird
import NIOCore
import Platform

extension PlatformAPI {
    var opsEndpoints: [Endpoint] {
        [
            Endpoint(.get, "/healthz", "Liveness: the database answers", tag: "ops", auth: false,
                     responses: [200: "Health", 503: "Problem"]) { _, _ in
                do {
                    _ = try self.db.activityCursors()
                } catch {
                    throw Problem(.serviceUnavailable, "the database does not answer: \(error)")
                }
                return try JSONBody.response(["status": "ok", "uptimeSeconds": "\((ContinuousClock.now - self.started).components.seconds)"])
            },
            Endpoint(.get, "/metrics", "Prometheus metrics: executions by status, per-candle latency histogram", tag: "ops",
                     auth: false, responses: [200: nil]) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                         body: .init(byteBuffer: ByteBuffer(string: try self.metricsText())))
            },
            Endpoint(.get, "/openapi.json", "This API's OpenAPI 3.1 document", tag: "ops", auth: false, responses: [200: nil]) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"],
                         body: .init(byteBuffer: ByteBuffer(bytes: try self.openAPIDocument())))
            },
        ]
    }

    static let latencyBoundsMicros = [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000]

    func metricsText() throws -> String {
        let m = try db.executionMetrics(boundsMicros: Self.latencyBoundsMicros)
        var out = """
            # HELP tradectl_executions_total Executions recorded, by status (ok, skipped or the error code).
            # TYPE tradectl_executions_total counter

            """
        for (status, n) in m.byStatus.sorted(by: { $0.key < $1.key }) { out += "tradectl_executions_total{status=\"\(status)\"} \(n)\n" }
        out += """
            # HELP tradectl_execution_latency_seconds Lock, data, strategy, fan-out and commit time of each executed candle.
            # TYPE tradectl_execution_latency_seconds histogram

            """
        for b in m.buckets { out += "tradectl_execution_latency_seconds_bucket{le=\"\(Double(b.boundMicros) / 1e6)\"} \(b.count)\n" }
        out += "tradectl_execution_latency_seconds_bucket{le=\"+Inf\"} \(m.count)\n"
        out += "tradectl_execution_latency_seconds_sum \(Double(m.sumMicros) / 1e6)\n"
        out += "tradectl_execution_latency_seconds_count \(m.count)\n"
        return out
    }
}
