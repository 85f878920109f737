import Foundation
import Hummingbird
import Platform

extension PlatformAPI {
    var credentialEndpoints: [Endpoint] {
        [
            Endpoint(.post, "/api/credentials", "Store a broker credential, sealed with AES-GCM; it is never returned", tag: "credentials",
                     auth: true, body: "CredentialCreate", responses: [201: "Credential", 401: "Problem", 422: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                let body = try await Input.body(CredentialBody.self, req, ctx)
                for (field, value, limit) in [("broker", body.broker, 32), ("label", body.label ?? "", 100), ("apiKey", body.apiKey, 512),
                                              ("apiSecret", body.apiSecret, 4096)] where value.count > limit || (field != "label" && value.isEmpty) {
                    throw Problem(.unprocessableContent, "\(field) must be \(field == "label" ? 0 : 1)–\(limit) characters", field: field,
                                  code: "invalid-input")
                }
                let publicID = "cred_" + Self.randomToken(bytes: 9)
                let secret = try JSONSerialization.data(withJSONObject: ["apiKey": body.apiKey, "apiSecret": body.apiSecret])
                let sealed = try self.vault.seal(secret, userID: user, publicID: publicID)
                let hint = "••••" + String(body.apiKey.suffix(min(4, body.apiKey.count / 3)))
                let stored = try self.db.storeCredential(userID: user, publicID: publicID, broker: body.broker, label: body.label ?? body.broker,
                                                         hint: hint, sealed: sealed)
                return try JSONBody.response(CredentialView(stored), status: .created)
            },
            Endpoint(.get, "/api/credentials", "Your broker credentials, masked", tag: "credentials", auth: true,
                     responses: [200: "CredentialList", 401: "Problem"]) { req, _ in
                let user = try await self.tokens.user(req)
                return try JSONBody.response(ItemsView(items: try self.db.credentials(userID: user).map(CredentialView.init)))
            },
            Endpoint(.delete, "/api/credentials/{id}", "Delete one of your credentials (the sealed secret is wiped)", tag: "credentials",
                     auth: true, responses: [204: nil, 401: "Problem", 404: "Problem"]) { req, ctx in
                let user = try await self.tokens.user(req)
                guard let id = ctx.parameters.get("id"), id.count <= 64 else { throw Problem(.notFound, "no such credential") }
                try self.db.deleteCredential(userID: user, publicID: id)
                return Response(status: .noContent)
            },
        ]
    }
}
