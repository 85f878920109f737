import Foundation
import Hummingbird
import HummingbirdTesting
import Platform
@testable import PlatformAPI
import Synchronization
import Testing

extension APIHarness {
    /// Runs `body` against the API and the dashboard on one router (a synthetic feed for charts).
    func runDashboard(_ body: @Sendable (PageClient) async throws -> Void) async throws {
        let services = DashboardServices(candles: SyntheticFeed(seed: 1, clock: .real), clock: .real, host: host)
        let app = Application(responder: try api.responder(dashboard: services))
        try await app.test(.router) { client in try await body(PageClient(client: client)) }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// A browser-like client over the router test client: keeps its cookies and sends forms with the
/// CSRF token a page would carry.
final class PageClient: Sendable {
    let client: any TestClientProtocol
    private let jar = Mutex<[String: String]>([:])

    init(client: any TestClientProtocol) {
        self.client = client
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPFields
        let text: String
        var location: String? { headers[.location] }
        var setCookies: [String] { headers[values: .setCookie] }
    }

    var cookies: [String: String] { jar.withLock { $0 } }

    func forget(_ name: String) { jar.withLock { _ = $0.removeValue(forKey: name) } }

    @discardableResult
    func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> Reply {
        try await send(.get, uri, headers: extra, body: nil)
    }

    /// Posts a form; `_csrf` is the cookie's unless `csrf` says otherwise.
    @discardableResult
    func post(_ uri: String, _ form: [String: String], csrf: String? = nil, headers extra: HTTPFields = [:]) async throws -> Reply {
        var fields = form
        if fields["_csrf"] == nil { fields["_csrf"] = csrf ?? cookies["tradectl_csrf"] ?? "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let text = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, uri, headers: headers, body: ByteBuffer(string: text))
    }

    private func send(_ method: HTTPRequest.Method, _ uri: String, headers extra: HTTPFields, body: ByteBuffer?) async throws -> Reply {
        var headers = extra
        let cookie = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        if !cookie.isEmpty { headers[.cookie] = cookie }
        if headers[.accept] == nil { headers[.accept] = "text/html" }
        let reply = try await client.execute(uri: uri, method: method, headers: headers, body: body) { r in
            Reply(status: Int(r.status.code), headers: r.headers, text: String(buffer: r.body))
        }
        jar.withLock { jar in
            for line in reply.setCookies {
                let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard pair.count == 2 else { continue }
                if pair[1].isEmpty || line.contains("Max-Age=0") { jar.removeValue(forKey: pair[0]) } else { jar[pair[0]] = pair[1] }
            }
        }
        return reply
    }

    /// Signs up through the page's form (the CSRF cookie comes from a first GET).
    func signUp(_ email: String, name: String? = nil) async throws {
        try await get("/signup")
        var form = ["email": email, "password": "correct horse"]
        if let name { form["name"] = name }
        let r = try await post("/signup", form)
        try #require(r.status == 303, "signup: \(r.status) \(r.text.prefix(400))")
    }

    /// Uploads through the editor and returns the strategy's id.
    func upload(name: String, source: String = APIHarness.momentum, lookback: String = "20") async throws -> Int64 {
        let r = try await post("/strategies/new", ["name": name, "source": source, "symbols": "BTCUSDT", "timeframe": "1m", "lookback": lookback,
                                                   "params": "{}", "kind": "code"])
        try #require(r.status == 303, "upload: \(r.status) \(r.text.prefix(600))")
        return try #require(Int64(r.location?.split(separator: "/").last?.split(separator: "?").first ?? ""))
    }

    func subscribe(_ strategy: Int64) async throws -> Int64 {
        let r = try await post("/strategies/\(strategy)/subscribe", ["capital": "5000", "riskPercent": "2", "leverage": "3", "allowShort": "on"])
        try #require(r.status == 303, "subscribe: \(r.status) \(r.text.prefix(600))")
        return try #require(Int64(r.location?.split(separator: "/").last?.split(separator: "?").first ?? ""))
    }
}
