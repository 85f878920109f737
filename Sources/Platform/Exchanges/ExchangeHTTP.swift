import AsyncHTTPClient
import Foundation

/// The connectors' HTTP client: swift-server/async-http-client with a pool sized for many
/// subscribers and per-request timeouts, answering raw status, headers and body bytes, and
/// classifying transport failures by whether the request may have executed.
public final class ExchangeHTTP: Sendable {
    /// A response as received.
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        /// Local wall time (ms) when the request was handed over and when the reply was complete.
        var sentAt: Int64
        var receivedAt: Int64

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    let client: HTTPClient
    /// How long one request may take before its outcome counts as unknown.
    public let timeoutMs: Int64

    /// - Parameters:
    ///   - timeoutMs: per request (default 10 s).
    ///   - connectionsPerHost: concurrent HTTP/1 connections kept per host.
    public init(timeoutMs: Int64 = 10_000, connectionsPerHost: Int = 32) {
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        var config = HTTPClient.Configuration(timeout: .init(connect: .seconds(5)), connectionPool: pool)
        config.httpVersion = .http1Only
        config.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: config)
        self.timeoutMs = timeoutMs
    }

    /// Closes the pool's connections; call once when done.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// A client dropped without `shutdown()` closes its pool in the background (async-http-client
    /// stops the process in debug builds when a running client is deallocated).
    deinit {
        client.shutdown { _ in }
    }

    /// Sends one request.
    ///
    /// - Throws: `ExchangeError.unreachable` when the connection could not be made (nothing was
    ///   sent), `.unknownOutcome` for a timeout or a connection dropped after sending.
    func send(_ method: String, _ url: String, headers: [(String, String)], body: [UInt8]?, timeoutMs: Int64? = nil)
        async throws(ExchangeError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        if let body { request.body = .bytes(body) }
        let sentAt = ServerClock.localNow()
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeoutMs ?? self.timeoutMs))
            let bytes = try await response.body.collect(upTo: 8 << 20)
            var out: [(String, String)] = []
            out.reserveCapacity(response.headers.count)
            for h in response.headers { out.append((h.name, h.value)) }
            return Reply(status: Int(response.status.code), headers: out, body: Array(bytes.readableBytesView), sentAt: sentAt,
                         receivedAt: ServerClock.localNow())
        } catch {
            throw Self.classify(error)
        }
    }

    /// `send` as a result, so the caller can release its budget whatever happened.
    func sendResult(_ method: String, _ url: String, headers: [(String, String)], body: [UInt8]?) async -> Result<Reply, ExchangeError> {
        do {
            return .success(try await send(method, url, headers: headers, body: body))
        } catch {
            return .failure(error)
        }
    }

    /// The body of a plain GET (benchmarks read the simulator's counters with it).
    package func get(_ url: String) async throws(ExchangeError) -> [UInt8] {
        try await send("GET", url, headers: [], body: nil).body
    }

    static func classify(_ error: any Error) -> ExchangeError {
        if let e = error as? HTTPClientError,
           [HTTPClientError.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(e) {
            return ExchangeError(.unreachable, "could not connect to the exchange (\(e.shortDescription))")
        }
        let name = String(describing: type(of: error))
        let text = String(describing: error)
        if name.contains("NIOConnectionError") || text.contains("Connection refused") || text.contains("connectFailed") {
            return ExchangeError(.unreachable, "could not connect to the exchange")
        }
        if let e = error as? HTTPClientError {
            return ExchangeError(.unknownOutcome, "no complete answer from the exchange (\(e.shortDescription)); the request may have executed")
        }
        return ExchangeError(.unknownOutcome, "no complete answer from the exchange (\(name)); the request may have executed")
    }
}

extension HTTPClientError {
    /// The error's name only (AHC's description can include the URL, which carries signed parameters).
    fileprivate var shortDescription: String {
        let d = String(describing: self)
        return String(d.prefix { $0 != "(" && $0 != ":" }.prefix(60))
    }
}
