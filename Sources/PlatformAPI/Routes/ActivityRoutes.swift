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
            paged(Self.strategies + "/{id}/signals", "Signals of a strategy you own or subscribe to (up to your cancellation, once cancelled), newest first", tag: "activity",
                  schema: "SignalPage", forbidden: true) { db, user, id, limit, offset in
                try db.signals(viewerID: user, strategyID: id, limit: limit, offset: offset)
            },
            Endpoint(.get, "/api/stream", "Server-Sent Events of your signals, orders and fills (token in the header or ?token=); a few open streams per user",
                     tag: "activity", auth: true, query: ["token", "seconds", "from", "after"],
                     responses: [200: nil, 401: "Problem", 429: "Problem"]) { req, _ in
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

    /// The user's event stream: `signal`, `order` and `fill` events (a fill is a row of the
    /// `fills` table, with its own id) from the process's one shared poller (`ActivityHub`, which
    /// also sees the executions of other workers), with a heartbeat comment every 15 s.
    /// `?from=start` or `?after=s12,o40,f7` first replays what came before, from the database. At most `streamsPerUser` open streams per user and
    /// `streamsTotal` in all: past either, 429.
    func stream(_ req: Request) async throws -> Response {
        let user = try await tokens.user(authorization: req.headers[.authorization]
                                            ?? req.uri.queryParameters["token"].map { "Bearer \($0)" })
        let seconds = req.uri.queryParameters["seconds"].flatMap { Int(String($0)) }.map { max(1, min($0, 86_400)) } ?? 86_400
        let ticket: ActivityHub.Ticket
        do {
            ticket = try hub.open(user: user)
        } catch {
            let detail = switch error {
            case .perUser(let n): "you have \(n) event streams open, the most allowed; close one first"
            case .total(let n): "the server has \(n) event streams open, the most it serves; try again later"
            }
            var p = Problem(.tooManyRequests, detail, code: "too-many-streams")
            p.headers[.retryAfter] = "5"
            throw p
        }
        // New activity only, or (`?from=start`) the user's history first; a reconnecting client
        // may also send the last `s…`/`o…`/`f…` ids it saw as `?after=s12,o40,f7`.
        var replay: ActivityHub.Cursor? = req.uri.queryParameters["from"] == "start" ? (0, 0, 0) : nil
        if let after = req.uri.queryParameters["after"] {
            var r = replay ?? (Int64.max, Int64.max, Int64.max)
            for part in after.split(separator: ",") {
                if part.hasPrefix("s"), let v = Int64(part.dropFirst()) { r.signal = v }
                if part.hasPrefix("o"), let v = Int64(part.dropFirst()) { r.order = v }
                if part.hasPrefix("f"), let v = Int64(part.dropFirst()) { r.fill = v }
            }
            replay = r
        }
        let from = replay
        let db = self.db
        let body = ResponseBody { writer in
            defer { ticket.finish() }
            let end = ContinuousClock.now + .seconds(seconds)
            var beat = ContinuousClock.now
            var sent: ActivityHub.Cursor = (Int64.max, Int64.max, Int64.max)
            try await writer.write(ByteBuffer(string: ": tradectl stream for user \(user)\n\n"))
            for await message in ticket.messages {
                var text = ""
                switch message {
                case .start(let start):
                    // Everything after `start` comes from the hub; the history before it from the
                    // database, in pages.
                    sent = (min(from?.signal ?? start.signal, start.signal), min(from?.order ?? start.order, start.order),
                            min(from?.fill ?? start.fill, start.fill))
                    while sent.signal < start.signal || sent.order < start.order || sent.fill < start.fill {
                        let old = try db.activity(userID: user, afterSignal: sent.signal, afterOrder: sent.order)
                        let fills = sent.fill < start.fill ? try db.fills(userID: user, after: sent.fill) : []
                        let page = Self.events((old.signals.filter { $0.id <= start.signal }, old.orders.filter { $0.id <= start.order },
                                                fills.filter { $0.id <= start.fill }), after: &sent)
                        if page.isEmpty { break }
                        try await writer.write(ByteBuffer(string: page))
                    }
                    sent = (max(sent.signal, start.signal), max(sent.order, start.order), max(sent.fill, start.fill))
                case .activity(let batch):
                    text = Self.events(batch, after: &sent)
                case .tick:
                    break
                }
                if text.isEmpty, ContinuousClock.now - beat > .seconds(15) { text = ": heartbeat\n\n" }
                if !text.isEmpty {
                    try await writer.write(ByteBuffer(string: text))
                    beat = .now
                }
                if ContinuousClock.now >= end { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// The SSE text of signals, orders and fills newer than `sent`, which it moves on.
    static func events(_ batch: ActivityHub.Batch, after sent: inout ActivityHub.Cursor) -> String {
        var text = ""
        for s in batch.signals where s.id > sent.signal {
            text += event("signal", id: "s\(s.id)", s)
            sent.signal = s.id
        }
        for o in batch.orders where o.id > sent.order {
            text += event("order", id: "o\(o.id)", o)
            sent.order = o.id
        }
        for f in batch.fills where f.id > sent.fill {
            text += event("fill", id: "f\(f.id)", f)
            sent.fill = f.id
        }
        return text
    }

    static func event(_ name: String, id: String, _ value: some Encodable) -> String {
        let data = (try? JSONBody.encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(name)\nid: \(id)\ndata: \(data)\n\n"
    }
}
