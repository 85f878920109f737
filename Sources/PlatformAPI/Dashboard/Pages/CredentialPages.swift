import Foundation
import Hummingbird

extension Dashboard {
    var credentialRoutes: [Route] {
        [
            page(.get, "/credentials") { req in
                try self.html("credentials", try self.credentialView(req, fields: [:]), req, title: "Broker credentials", section: "credentials")
            },
            page(.post, "/credentials") { req in
                var body: [String: Any] = [:]
                for name in ["broker", "label", "apiKey", "apiSecret"] { body[name] = req.form[name] ?? "" }
                let reply = try await self.bridge.call(.post, "/api/credentials", token: req.session.token, body: body, context: req.context)
                guard reply.ok else {
                    // The key and secret are never sent back into the page.
                    var view = try self.credentialView(req, fields: ["broker": req.form["broker"] ?? "", "label": req.form["label"] ?? ""])
                    view["error"] = reply.problem?.detail ?? "the credential was not stored"
                    view["errorField"] = [reply.problem?.field ?? "form": true]
                    return try self.html("credentials", view, req, title: "Broker credentials", section: "credentials",
                                         status: .init(code: reply.status))
                }
                return Self.redirect("/credentials?notice=credential-added")
            },
            page(.post, "/credentials/{id}/delete") { req in
                guard let id = req.context.parameters.get("id"), id.count <= 64,
                      let escaped = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "_-"))) else {
                    throw Problem(.notFound, "no such credential")
                }
                let reply = try await self.bridge.call(.delete, "/api/credentials/" + escaped, token: req.session.token, context: req.context)
                guard reply.ok else { throw Problem(.init(code: reply.status), reply.problem?.detail ?? "could not delete the credential") }
                return Self.redirect("/credentials?notice=credential-deleted")
            },
        ]
    }

    func credentialView(_ req: PageRequest, fields: [String: String]) throws -> [String: Any] {
        let items = try db.credentials(userID: req.user)
        let broker = fields["broker"] ?? "paper"
        return [
            "items": items.map { c -> [String: Any] in
                ["id": c.id, "broker": c.broker, "label": c.label, "hint": c.hint, "created": Format.time(c.createdAt)]
            },
            "empty": items.isEmpty, "label": fields["label"] ?? "",
            "brokers": ["paper", "binance", "binance-futures", "coindcx"].map { ["value": $0, "selected": $0 == broker] },
        ]
    }
}
