import Foundation
import Hummingbird
import Platform
import StrategyRuntime

extension PlatformAPI {
    static let strategies = "/api/strategy-upload/strategies"

    var strategyEndpoints: [Endpoint] {
        [
            Endpoint(.get, Self.strategies, "Public listing of live strategies, newest first", tag: "strategies", auth: false,
                     query: ["limit", "offset"], responses: [200: "StrategyPage", 422: "Problem"]) { req, _ in
                let (limit, offset) = try Input.paging(req)
                let body = try self.listings.body("\(limit):\(offset)") {
                    try JSONBody.bytes(PageView(try self.db.strategyPage(limit: limit, offset: offset)) { StrategyView($0) })
                }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
            },
            Endpoint(.get, Self.strategies + "/{id}", "One strategy; its owner also sees the source, versions and webhook token",
                     tag: "strategies", auth: false, responses: [200: "Strategy", 404: "Problem"]) { req, ctx in
                let id = try Input.id(ctx, "id")
                let viewer = req.headers[.authorization] == nil ? nil : try await self.tokens.user(req)
                let summary = try self.db.strategySummary(id: id, viewer: viewer)
                guard viewer == summary.ownerID else { return try JSONBody.response(StrategyView(summary)) }
                return try JSONBody.response(StrategyView(summary, owner: true, webhookToken: try self.db.webhookToken(ownerID: summary.ownerID, strategyID: id),
                                                          versions: try self.db.strategyVersions(strategyID: id)))
            },
            Endpoint(.post, Self.strategies, "Upload a strategy; the code is loaded at isolation 'process' and rejected with the load error",
                     tag: "strategies", auth: true, body: "StrategyCreate",
                     responses: [201: "Strategy", 401: "Problem", 413: "Problem", 422: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let body = try await Input.body(StrategyBody.self, req, ctx)
                let kind = body.kind ?? .code
                guard let name = body.name else { throw Problem(.unprocessableContent, "missing field 'name'", field: "name", code: "invalid-input") }
                guard let spec = try body.spec(over: nil, kind: kind, maxSourceBytes: self.options.maxSourceBytes) else {
                    throw Problem(.unprocessableContent, "missing strategy fields", code: "invalid-input")
                }
                let lag = try Self.maxLag(body)
                try PlatformDatabase.validateSpec(spec, quotas: self.options.quotas)
                // Before loading the code: a user at the quota costs no sandbox load.
                try self.db.checkStrategyQuota(ownerID: user, quotas: self.options.quotas)
                if kind == .code { try await self.validator.validate(spec.source, author: user) }
                let token = kind == .webhook ? Self.randomToken(bytes: 24) : nil
                let created = try self.db.createStrategy(ownerID: user, NewStrategy(name: name, description: body.description ?? "", kind: kind,
                                                                                   spec: spec, webhookToken: token, maxLagMillis: lag ?? 60_000),
                                                    quotas: self.options.quotas)
                self.listings.invalidate()
                return try JSONBody.response(StrategyView(created, owner: true, webhookToken: token), status: .created)
            },
            Endpoint(.put, Self.strategies + "/{id}", "Update a strategy (owner); a changed spec makes a new version",
                     tag: "strategies", auth: true, body: "StrategyUpdate",
                     responses: [200: "Strategy", 401: "Problem", 403: "Problem", 404: "Problem", 413: "Problem", 422: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                let current = try self.db.strategySummary(id: id, viewer: user)
                guard current.ownerID == user else { throw Problem(.forbidden, "strategy \(id) belongs to another user") }
                let body = try await Input.body(StrategyBody.self, req, ctx)
                let spec = try body.spec(over: current.version.spec, kind: current.kind, maxSourceBytes: self.options.maxSourceBytes)
                if let spec {
                    try PlatformDatabase.validateSpec(spec, quotas: self.options.quotas)
                    if current.kind == .code, body.python != nil { try await self.validator.validate(spec.source, author: user) }
                }
                let updated = try self.db.updateStrategy(ownerID: user, strategyID: id, name: body.name, description: body.description, spec: spec,
                                                         quotas: self.options.quotas)
                self.listings.invalidate()
                return try JSONBody.response(StrategyView(updated, owner: true, webhookToken: try self.db.webhookToken(ownerID: user, strategyID: id)))
            },
            Endpoint(.post, Self.strategies + "/{id}/resume", "Resume a strategy the scheduler paused (owner); its reason is in pausedReason",
                     tag: "strategies", auth: true, responses: [200: "Strategy", 401: "Problem", 403: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let id = try Input.id(ctx, "id")
                try self.db.resumeStrategy(ownerID: user, strategyID: id)
                await self.registry?.invalidate()
                self.listings.invalidate()
                return try JSONBody.response(StrategyView(try self.db.strategySummary(id: id), owner: true,
                                                          webhookToken: try self.db.webhookToken(ownerID: user, strategyID: id)))
            },
            Endpoint(.delete, Self.strategies + "/{id}", "Soft-delete a strategy (owner); history is kept", tag: "strategies", auth: true,
                     responses: [204: nil, 401: "Problem", 403: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                try self.db.deleteStrategy(ownerID: user, strategyID: try Input.id(ctx, "id"))
                self.listings.invalidate()
                return Response(status: .noContent)
            },
        ]
    }

    static func maxLag(_ body: StrategyBody) throws -> Int64? {
        guard let s = body.maxLagSeconds ?? body.max_lag else { return nil }
        guard (1...86_400).contains(s) else {
            throw Problem(.unprocessableContent, "maxLagSeconds must be 1–86400", field: body.maxLagSeconds == nil ? "max_lag" : "maxLagSeconds",
                          code: "invalid-input")
        }
        return Int64(s) * 1000
    }

    /// A URL-safe random token.
    static func randomToken(bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
