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
            Endpoint(.get, "/metrics", "Prometheus metrics for operators (the operator's bearer token, not a session token)",
                     tag: "ops", auth: true, responses: [200: nil, 401: "Problem", 429: "Problem"]) { req, ctx in
                try self.metrics.limiter.admit(ctx.clientAddress)
                guard let expected = self.options.metricsToken, let given = req.headers[.authorization],
                      Self.sameSecret(given, "Bearer " + expected) else {
                    throw Problem.unauthorized(self.options.metricsToken == nil
                        ? "/metrics is not served on this address: set an operator token (TRADECTL_METRICS_TOKEN) or a metrics address"
                        : "/metrics needs 'Authorization: Bearer <operator token>'")
                }
                return try self.metrics.response()
            },
            Endpoint(.get, "/openapi.json", "This API's OpenAPI 3.1 document", tag: "ops", auth: false, responses: [200: nil]) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"],
                         body: .init(byteBuffer: ByteBuffer(bytes: try self.openAPIDocument())))
            },
        ]
    }

    /// Compares two secrets in time that depends on their lengths only.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
