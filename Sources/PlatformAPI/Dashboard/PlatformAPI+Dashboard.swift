import Foundation
import Hummingbird
import Logging

extension PlatformAPI {
    /// The API and the web dashboard on one router: pages at `/`, `/strategies`, `/subscriptions`,
    /// …, the JSON API where it always was.
    ///
    /// - Throws: `DashboardError` when an embedded template does not parse.
    public func responder(dashboard services: DashboardServices) throws -> some HTTPResponder<APIContext> {
        let dashboard = try Dashboard(api: self, services: services)
        let router = router()
        dashboard.register(on: router)
        return DashboardResponder(wrapped: ProblemResponder(wrapped: router.buildResponder()), dashboard: dashboard)
    }

    /// The application serving the API and the dashboard on `host:port`.
    public func application(host: String, port: Int, logger: Logger, dashboard services: DashboardServices) throws -> some ApplicationProtocol {
        Application(responder: try responder(dashboard: services),
                    configuration: .init(address: .hostname(host, port: port), serverName: "tradectl"), logger: logger)
    }
}

/// Lets the dashboard's pages use the event stream with their session cookie (an `EventSource`
/// cannot send a bearer header, and a token never goes into a URL), and answers browsers that ask
/// for a missing page with an HTML 404 instead of problem+json.
struct DashboardResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context == APIContext {
    typealias Context = APIContext
    let wrapped: Wrapped
    let dashboard: Dashboard

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        if request.method == .get, request.uri.path == "/api/stream", request.headers[.authorization] == nil,
           request.uri.queryParameters["token"] == nil,
           let cookie = request.cookies[PageSession.sessionCookie]?.value, !cookie.isEmpty {
            var head = request.head
            head.headerFields[.authorization] = "Bearer " + cookie
            request = Request(head: head, body: request.body)
        }
        let response = try await wrapped.respond(to: request, context: context)
        if response.status == .notFound, request.method == .get, Self.wantsHTML(request),
           response.headers[.contentType] == "application/problem+json" {
            let session = await PageSession.read(request, tokens: dashboard.api.tokens)
            return dashboard.errorPage(Problem(.notFound, "There is no page at \(request.uri.path)."), session: session, context: context,
                                       path: request.uri.path)
        }
        return response
    }

    static func wantsHTML(_ request: Request) -> Bool {
        let path = request.uri.path
        guard !path.hasPrefix("/api/"), !path.hasPrefix("/auth/"), !path.hasPrefix("/webhooks/") else { return false }
        return request.headers[.accept]?.contains("text/html") == true
    }
}
