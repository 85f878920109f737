import Foundation
import Hummingbird

extension Dashboard {
    var authRoutes: [Route] {
        [
            page(.get, "/", auth: false) { req in
                Self.redirect(req.session.signedIn ? "/subscriptions" : "/strategies")
            },
            page(.get, "/login", auth: false) { req in
                try self.html("login", ["next": Self.localPath(req.query("next")) ?? ""], req, title: "Log in", section: "login")
            },
            page(.post, "/login", auth: false) { req in
                let email = req.form.text("email") ?? ""
                let reply = try await self.bridge.call(.post, "/auth/login", token: nil,
                                                       body: ["email": email, "password": req.form["password"] ?? ""], context: req.context)
                guard reply.ok, let token = reply.json["token"] as? String else {
                    return try self.html("login", ["email": email, "next": Self.localPath(req.form["next"]) ?? "",
                                                   "error": reply.problem?.detail ?? "could not log in"],
                                         req, title: "Log in", section: "login", status: .init(code: reply.status))
                }
                return self.signedIn(token, to: Self.localPath(req.form["next"]) ?? "/subscriptions")
            },
            page(.get, "/signup", auth: false) { req in
                try self.html("signup", [:], req, title: "Sign up", section: "signup")
            },
            page(.post, "/signup", auth: false) { req in
                let email = req.form.text("email") ?? "", name = req.form.text("name")
                var body: [String: Any] = ["email": email, "password": req.form["password"] ?? ""]
                if let name { body["name"] = name }
                let reply = try await self.bridge.call(.post, "/auth/register", token: nil, body: body, context: req.context)
                guard reply.ok, let token = reply.json["token"] as? String else {
                    let field = reply.problem?.field ?? "email"
                    return try self.html("signup", ["email": email, "name": name ?? "", "error": reply.problem?.detail ?? "could not sign up",
                                                    "errorField": [field: true]],
                                         req, title: "Sign up", section: "signup", status: .init(code: reply.status))
                }
                return self.signedIn(token, to: "/strategies?notice=welcome")
            },
            page(.post, "/logout", auth: false) { _ in
                var r = Self.redirect("/strategies?notice=signed-out")
                r.setCookie(PageSession.clearedSession(secure: self.services.secureCookies))
                return r
            },
        ]
    }

    /// Sets the session cookie and goes on to `location`.
    func signedIn(_ token: String, to location: String) -> Response {
        var r = Self.redirect(location)
        r.setCookie(PageSession.sessionCookie(token, maxAge: Int(api.tokens.lifetime.components.seconds), secure: services.secureCookies))
        return r
    }

    /// `path` if it is a path on this site (so a login link cannot send anyone elsewhere).
    static func localPath(_ path: String?) -> String? {
        guard let p = path?.removingPercentEncoding ?? path, p.hasPrefix("/"), !p.hasPrefix("//"), !p.contains("\\"),
              !p.contains("\r"), !p.contains("\n"), p.count < 512 else { return nil }
        return p
    }
}
