import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// A page request: the request, its session and, for posts, its checked form.
struct PageRequest: Sendable {
    var request: Request
    var context: APIContext
    var session: PageSession
    var form: FormData

    /// The signed-in user (pages marked `auth` only run with one).
    var user: Int64 { session.user ?? 0 }

    func id(_ name: String) throws -> Int64 { try Input.id(context, name) }

    func query(_ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension Dashboard {
    /// A page route: reads the session, sends visitors of `auth` pages to the login page, checks
    /// the CSRF defences of posts, and turns errors into HTML error pages.
    func page(_ method: HTTPRequest.Method, _ path: String, auth: Bool = true,
              _ handler: @escaping @Sendable (PageRequest) async throws -> Response) -> Route {
        Route(method: method, path: path) { request, context in
            let started = ContinuousClock.now
            let session = await PageSession.read(request, tokens: self.api.tokens)
            var response: Response
            do {
                var form = FormData(fields: [:])
                if method == .post {
                    form = try await FormData.read(request, context)
                    try PageSession.checkUnsafe(request, form: form)
                }
                if auth, !session.signedIn {
                    let next = method == .get ? request.uri.path : "/"
                    response = Self.redirect("/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
                } else {
                    response = try await handler(PageRequest(request: request, context: context, session: session, form: form))
                }
            } catch {
                response = self.errorPage(error, session: session, context: context, path: request.uri.path)
            }
            if session.newCSRF { response.setCookie(session.csrfCookie(secure: self.services.secureCookies)) }
            // The page's own time (devtools show it; `tradectl bench dashboard` reports it).
            let micros = (ContinuousClock.now - started) / .microseconds(1)
            response.headers[.serverTiming] = "page;dur=" + String(format: "%.3f", micros / 1000)
            return response
        }
    }

    /// A full HTML page.
    func html(_ template: String, _ content: [String: Any], _ req: PageRequest, title: String, section: String,
              live: Bool = false, status: HTTPResponse.Status = .ok) throws -> Response {
        var frame = PageRenderer.Frame(title: title, session: req.session, section: section, live: live)
        if let user = req.session.user { frame.userName = try db.user(id: user).map { Self.displayName($0.name) } }
        frame.notice = req.query("notice").flatMap { Self.notices[$0] }
        return Self.htmlResponse(renderer.render(template, content, frame: frame), status: status)
    }

    static func htmlResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "same-origin",
        ]
        headers[.xFrameOptions] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// An error as a page: the problem's status and detail (internals of unexpected errors stay in the log).
    func errorPage(_ error: any Error, session: PageSession, context: APIContext, path: String) -> Response {
        let problem = Problem.from(error) ?? {
            context.logger.error("dashboard error", metadata: ["error": "\(error)", "path": "\(path)"])
            return Problem(.internalServerError, "internal error")
        }()
        let frame = PageRenderer.Frame(title: problem.title, session: session, section: "")
        let content: [String: Any] = ["status": Int(problem.status.code), "title": problem.title, "detail": problem.detail,
                                      "signIn": problem.status == .unauthorized]
        return Self.htmlResponse(renderer.render("error", content, frame: frame), status: problem.status)
    }

    /// A user name as others see it: the part before "@" when the name is an email address.
    static func displayName(_ name: String) -> String {
        guard let at = name.firstIndex(of: "@") else { return name }
        return String(name[..<at])
    }

    /// Messages shown after a redirect (`?notice=`): fixed texts, never taken from the URL.
    static let notices: [String: String] = [
        "subscribed": "Subscribed. Orders arrive with the strategy's next signal.",
        "paused": "Subscription paused: it gets no orders until you resume it.",
        "resumed": "Subscription resumed.",
        "cancelled": "Subscription cancelled. Its history is kept.",
        "created": "Strategy uploaded: it loaded in its sandbox and runs on the next candle close.",
        "updated": "Strategy saved.",
        "deleted": "Strategy deleted. Subscribers keep their history.",
        "credential-added": "Credential stored, sealed. Only its hint is ever shown.",
        "credential-deleted": "Credential deleted.",
        "welcome": "Welcome! Browse the strategies and subscribe to one.",
        "signed-out": "You are signed out.",
        "bot-created": "Bot created: it places its orders at the next candle close.",
        "bot-stopped": "Bot stopped: its open orders, and its copiers', are cancelled at the newest close.",
        "bot-started": "Bot started again: it resumes at the next candle close.",
        "bot-deleted": "Bot deleted. Its history is kept.",
    ]
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let serverTiming = Self("Server-Timing")!
}
