import Hummingbird

/// One route: how it is served and how /openapi.json describes it.
struct Endpoint: Sendable {
    typealias Handler = @Sendable (Request, APIContext) async throws -> Response

    let method: HTTPRequest.Method
    /// The OpenAPI path, with `{param}` captures.
    let path: String
    let summary: String
    let tag: String
    /// Needs a bearer token.
    let auth: Bool
    /// Component schema of the JSON body, if any.
    let body: String?
    /// Query parameters (all optional integers or strings, see OpenAPIDocument).
    let query: [String]
    /// Status → component schema of the response (nil: no JSON body).
    let responses: [Int: String?]
    let handler: Handler

    init(_ method: HTTPRequest.Method, _ path: String, _ summary: String, tag: String, auth: Bool, body: String? = nil,
         query: [String] = [], responses: [Int: String?], handler: @escaping Handler) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.auth = auth
        self.body = body
        self.query = query
        self.responses = responses
        self.handler = handler
    }

    /// Hummingbird's form of the path (`:param`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }

    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }
}
