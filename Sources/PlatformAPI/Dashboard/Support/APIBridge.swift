import Foundation
import Hummingbird
import NIOCore

/// Sends a page's change through the JSON API in-process, so every write of the dashboard takes
/// the API's own path: the same validation, sandboxed upload check, scoping, rate limits,
/// registry and cache invalidation, and the same problem (`code`, `field`) when it is refused.
struct APIBridge: Sendable {
    /// What the API answered.
    struct Reply: @unchecked Sendable {  // `json` holds only Foundation's JSON values, read on one task
        var status: Int
        var json: [String: Any]
        /// The problem when the status is 4xx/5xx.
        var problem: ProblemInfo?

        var ok: Bool { (200..<300).contains(status) }
        var id: Int64? { (json["id"] as? NSNumber)?.int64Value }
    }

    let responder: any HTTPResponder<APIContext>

    /// Calls `method path` with `body` as JSON and the session's token as the bearer.
    func call(_ method: HTTPRequest.Method, _ path: String, token: String?, body: [String: Any]? = nil,
              context: APIContext) async throws -> Reply {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let token { fields[.authorization] = "Bearer " + token }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "dashboard", path: path, headerFields: fields),
                              body: RequestBody(buffer: ByteBuffer(bytes: data)))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            guard let p = Problem.from(error) else { throw error }
            return Reply(status: Int(p.status.code), json: [:], problem: ProblemInfo(detail: p.detail, field: p.field, code: p.code, line: p.line))
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: collector.buffer))) as? [String: Any] ?? [:]
        let status = Int(response.status.code)
        guard status >= 400 else { return Reply(status: status, json: json, problem: nil) }
        return Reply(status: status, json: json, problem: ProblemInfo(detail: (json["detail"] as? String) ?? "request failed (\(status))",
                                                                      field: json["field"] as? String, code: (json["code"] as? String) ?? "error",
                                                                      line: (json["line"] as? NSNumber)?.intValue))
    }
}

/// What a refused call's problem says.
struct ProblemInfo: Sendable {
    var detail: String
    var field: String?
    var code: String
    /// The source line of a load error.
    var line: Int?
}

/// Collects a response body in memory (the API's JSON answers are small).
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var b = buffer
        self.buffer.writeBuffer(&b)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
