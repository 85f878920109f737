import Foundation
import Hummingbird
import HummingbirdBcrypt
import Logging
import Metrics
import Platform
import Prometheus
import StrategyRuntime

/// Limits and knobs of the HTTP API.
public struct APIOptions: Sendable {
    /// Largest strategy source accepted, in bytes (413 above).
    public var maxSourceBytes = 256 * 1024
    /// Requests per minute per client address on /auth/register and /auth/login.
    public var authRequestsPerMinute = 30
    /// bcrypt's cost factor for password hashes.
    public var bcryptCost: UInt8 = 10
    /// How long a page of the public strategy listing may be served from memory.
    public var listingCacheTTL: Duration = .seconds(1)
    /// How often the event streams' one poller looks for new activity.
    public var streamPoll: Duration = .milliseconds(250)
    /// Open event streams per user, and in all; past either, 429.
    public var streamsPerUser = 4
    public var streamsTotal = 256
    /// What one user may hold (strategies, symbols per strategy, subscriptions); past it, 422 `quota-exceeded`.
    public var quotas = Quotas.defaults
    /// The operator's bearer token for `/metrics` on the API's address. Nil: `/metrics` there
    /// always answers 401 (serve it on its own address with `metricsApplication` instead).
    public var metricsToken: String?
    /// `/metrics` requests per minute per client address (429 past it).
    public var metricsRequestsPerMinute = 60

    public init() {}
}

/// Checks uploaded code before it is stored: by loading it where it would run.
public protocol StrategyValidator: Sendable {
    /// - Throws: `StrategyError` (code `load`, `timeout`, `sandbox`, …) naming what is wrong.
    func validate(_ code: String, author: Int64) async throws(StrategyError)
}

/// Loads the code at isolation `process`, in a sandbox worker started for the check and stopped
/// after it (`StrategyHost.validate`), so uploads never grow the author's long-lived worker.
public struct ProcessValidator: StrategyValidator {
    let host: StrategyHost

    public init(host: StrategyHost) {
        self.host = host
    }

    public func validate(_ code: String, author: Int64) async throws(StrategyError) {
        var source = StrategySource(id: "upload-\(author)", code: code, origin: "<upload>")
        source.author = "user:\(author)"
        _ = try await host.validate(source)
    }
}

/// The HTTP API over the Platform: the seed's endpoints on the seed's paths, plus listings,
/// broker credentials, an event stream, webhooks and operations endpoints. Every route is in
/// `endpoints`, which also writes `/openapi.json`.
public final class PlatformAPI: Sendable {
    let db: PlatformDatabase
    let tokens: TokenIssuer
    let vault: Vault
    let validator: any StrategyValidator
    /// Fans webhook signals out; nil disables webhooks (503).
    let coordinator: Coordinator?
    /// Told when subscriptions change, so workers pick up strategies that gained or lost subscribers.
    let registry: (any StrategyRegistry)?
    let options: APIOptions
    let authLimiter: RateLimiter
    let started = ContinuousClock.now
    let listings: ListingCache
    /// The event streams' one poller.
    let hub: ActivityHub
    /// `/metrics`: the database's execution counters and this process's swift-metrics.
    public let metrics: MetricsExporter
    /// A hash checked when a login names an unknown email, so both cost the same.
    let dummyHash: String
    /// Bots (`/api/bots`); nil answers 503 there.
    let bots: BotDesk?

    /// - Parameter metrics: the registry behind the process's Prometheus metrics factory (the
    ///   caller bootstraps `MetricsSystem` with it), exported at `/metrics`.
    /// - Parameter bots: creates, previews and stops bots (`/api/bots`); nil answers 503 there.
    public init(db: PlatformDatabase, secrets: APISecrets, validator: any StrategyValidator, coordinator: Coordinator?,
                registry: (any StrategyRegistry)? = nil, options: APIOptions = APIOptions(),
                metrics: PrometheusCollectorRegistry? = nil, bots: BotDesk? = nil) async {
        self.registry = registry
        self.bots = bots
        self.db = db
        self.tokens = await TokenIssuer(secret: secrets.jwtSecret) { [db] id in try db.user(id: id) != nil }
        self.vault = Vault(key: secrets.masterKey)
        self.validator = validator
        self.coordinator = coordinator
        self.options = options
        self.authLimiter = RateLimiter(limit: options.authRequestsPerMinute)
        self.listings = ListingCache(ttl: options.listingCacheTTL)
        // Its own metrics go to `metrics` when given (exported below), else to the process's factory.
        self.hub = ActivityHub(db: db, poll: options.streamPoll, perUser: options.streamsPerUser, total: options.streamsTotal,
                               metrics: metrics.map { PrometheusMetricsFactory(registry: $0) } ?? MetricsSystem.factory)
        self.metrics = MetricsExporter(db: db, registry: metrics, requestsPerMinute: options.metricsRequestsPerMinute)
        self.dummyHash = await Self.offloaded { [cost = options.bcryptCost] in Bcrypt.hash("not a password", cost: cost) }
    }

    /// Every route of the API.
    var endpoints: [Endpoint] {
        authEndpoints + strategyEndpoints + subscriptionEndpoints + orderEndpoints + credentialEndpoints + activityEndpoints + opsEndpoints
            + botEndpoints
    }

    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        for e in endpoints {
            router.on(RouterPath(e.routerPath), method: e.method, use: e.handler)
        }
        return router
    }

    /// The router wrapped so that every error, unmatched routes included, is problem+json.
    public func responder() -> some HTTPResponder<APIContext> {
        ProblemResponder(wrapped: router().buildResponder())
    }

    /// The application serving the API on `host:port`.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(responder: responder(), configuration: .init(address: .hostname(host, port: port), serverName: "tradectl"),
                    logger: logger)
    }
}
