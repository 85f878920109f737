import Foundation
import Hummingbird
import NIOCore
import Platform

extension PlatformAPI {
    var activityEndpoints: [Endpoint] {
        [
            paged(Self.strategies + "/{id}/executions", "Executions of your strategy, newest first (owner only)", tag: "activity",
                  schema: "ExecutionPage", forbidden: true) { db, user, id, limit, offset in
                try db.executions(ownerID: user, strategyID: id, limit: limit, offset: offset)
            },
            paged(Self.strategies + "/{id}/signals", "Signals of a strategy you own or subscribe to, newest first", tag: "activity",
                  schema: "SignalPage", forbidden: true) { db, user, id, limit, offset in
                try db.signals(viewerID: user, strategyID: id, limit: limit, offset: offset)
            },
            Endpoint(.get, "/api/stream", "Server-Sent Events of your signals, orders and fills (token in the header or ?token=)",
                     tag: "activity", auth: true, query: ["token", "seconds", "from", "after"], responses: [200: nil, 401: "Problem"]) { req, _ in
                try await self.stream(req)
            },
            Endpoint(.post, "/webhooks/{token}", "TradingView-style alert for a webhook strategy, fanned out to its subscribers",
                     tag: "webhooks", auth: false, body: "WebhookAlert",
                     responses: [202: "WebhookResult", 404: "Problem", 422: "Problem", 503: "Problem"]) { req, ctx in
                try await self.webhook(req, ctx)
            },
        ]
    }

    /// A paged, authenticated listing of the rows under one path id (`limit`, `offset`).
    func paged<T: Encodable & Sendable>(_ path: String, _ summary: String, tag: String, schema: String, forbidden: Bool = false,
                                        _ fetch: @escaping @Sendable (PlatformDatabase, Int64, Int64, Int, Int) throws -> Page<T>) -> Endpoint {
        var responses: [Int: String?] = [200: schema, 401: "Problem", 404: "Problem", 422: "Problem"]
        if forbidden { responses[403] = "Problem" }
        return Endpoint(.get, path, summary, tag: tag, auth: true, query: ["limit", "offset"], responses: responses) { req, ctx in
            let user = try await self.tokens.user(req)
            let (limit, offset) = try Input.paging(req)
            return try JSONBody.response(PageView(try fetch(self.db, user, try Input.id(ctx, "id"), limit, offset)) { $0 })
        }
    }

    /// The user's event stream: polls the database (so it sees executions of every worker) and
    /// sends `signal`, `order` and `fill` events, with a heartbeat comment every 15 s.
    func stream(_ req: Request) async throws -> Response {
        let user = try await tokens.user(authorization: req.headers[.authorization]
                                            ?? req.uri.queryParameters["token"].map { "Bearer \($0)" })
        let seconds = req.uri.queryParameters["seconds"].flatMap { Int(String($0)) }.map { max(1, min($0, 86_400)) } ?? 86_400
        // New activity only, or (`?from=start`) the user's history first; a reconnecting client
        // may also send the last `s…`/`o…` ids it saw as `?after=s12,o40`.
        var start = req.uri.queryParameters["from"] == "start" ? (signal: Int64(0), order: Int64(0)) : try db.activityCursors()
        if let after = req.uri.queryParameters["after"] {
            for part in after.split(separator: ",") {
                if part.hasPrefix("s"), let v = Int64(part.dropFirst()) { start.signal = v }
                if part.hasPrefix("o"), let v = Int64(part.dropFirst()) { start.order = v }
            }
        }
        let resume = start
        let (db, poll) = (self.db, options.streamPoll)
        let body = ResponseBody { writer in
            var cursor = resume
            let end = ContinuousClock.now + .seconds(seconds)
            var beat = ContinuousClock.now
            try await writer.write(ByteBuffer(string: ": tradectl stream for user \(user)\n\n"))
            while ContinuousClock.now < end {
                let new = try db.activity(userID: user, afterSignal: cursor.signal, afterOrder: cursor.order)
                var text = ""
                for s in new.signals { text += Self.event("signal", id: "s\(s.id)", s); cursor.signal = s.id }
                for o in new.orders {
                    text += Self.event("order", id: "o\(o.id)", o)
                    if o.status == "filled" { text += Self.event("fill", id: "f\(o.id)", o) }
                    cursor.order = o.id
                }
                if text.isEmpty, ContinuousClock.now - beat > .seconds(15) { text = ": heartbeat\n\n" }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    beat = .now
                }
                try await Task.sleep(for: poll)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func event(_ name: String, id: String, _ value: some Encodable) -> String {
        let data = (try? JSONBody.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(name)\nid: \(id)\ndata: \(data)\n\n"
    }
}
