import Foundation
import Hummingbird
import Logging
import NIOCore
import Platform
import Prometheus

/// `/metrics` in Prometheus' text format: the executions of every worker (by status, and the
/// latency histogram) from the counters their commit transactions keep — two reads of a dozen rows
/// whatever the history — then this process's swift-metrics (scheduler, streams), from the
/// registry behind its Prometheus factory. Rate limited per client.
public final class MetricsExporter: Sendable {
    let db: PlatformDatabase
    let registry: PrometheusCollectorRegistry?
    let limiter: RateLimiter

    /// - Parameters:
    ///   - registry: the registry the process bootstrapped `MetricsSystem` with, if any.
    ///   - requestsPerMinute: per client address; past it, 429.
    public init(db: PlatformDatabase, registry: PrometheusCollectorRegistry?, requestsPerMinute: Int = 60) {
        self.db = db
        self.registry = registry
        self.limiter = RateLimiter(limit: requestsPerMinute)
    }

    /// The application serving `/metrics` alone, without a token, on its own (private) address.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router(context: APIContext.self)
        router.get("/metrics") { _, ctx in
            try self.limiter.admit(ctx.clientAddress)
            return try self.response()
        }
        return Application(responder: ProblemResponder(wrapped: router.buildResponder()),
                           configuration: .init(address: .hostname(host, port: port), serverName: "tradectl-metrics"), logger: logger)
    }

    func response() throws -> Response {
        var text = try self.text()
        if let registry { text += registry.emitToString() }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The database's execution counters as Prometheus text.
    func text() throws -> String {
        let m = try db.executionMetrics()
        var out = """
            # HELP tradectl_executions_total Executions recorded by every worker, by status (ok, skipped or the error code).
            # TYPE tradectl_executions_total counter

            """
        for (status, n) in m.byStatus.sorted(by: { $0.key < $1.key }) {
            out += "tradectl_executions_total{status=\"\(Self.labelValue(status))\"} \(n)\n"
        }
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

    /// A Prometheus label value: backslash, quote and newline escaped.
    static func labelValue(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
