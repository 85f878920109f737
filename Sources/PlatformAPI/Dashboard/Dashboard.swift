import Foundation
import Hummingbird
import Platform
import StrategyRuntime

/// What the dashboard uses besides the API: where chart candles come from, the clock they run
/// on, and the runtime that backtests on the authoring page.
public struct DashboardServices: Sendable {
    /// The executor's feed (default: the candle store of the API's database).
    public var candles: (any CandleSource)?
    /// The feed's clock (virtual time under `--speed`).
    public var clock: VirtualClock
    /// Runs backtests from the strategy page, at isolation `process` in the author's worker; nil
    /// turns backtests off.
    public var host: StrategyHost?
    /// Marks the cookies `Secure` (serve behind HTTPS).
    public var secureCookies: Bool

    public init(candles: (any CandleSource)? = nil, clock: VirtualClock = .real, host: StrategyHost? = nil, secureCookies: Bool = false) {
        self.candles = candles
        self.clock = clock
        self.host = host
        self.secureCookies = secureCookies
    }
}

/// The web dashboard: server-rendered pages over the API's data, on the API's origin. Reads go
/// through the same user-scoped queries as the JSON API; writes go through the JSON API itself
/// (`APIBridge`).
final class Dashboard: Sendable {
    let api: PlatformAPI
    let services: DashboardServices
    let renderer: PageRenderer
    let bridge: APIBridge
    let performance: PerformanceCache

    var db: PlatformDatabase { api.db }
    var candles: any CandleSource { services.candles ?? StoreSource(db: api.db) }

    init(api: PlatformAPI, services: DashboardServices) throws {
        self.api = api
        self.services = services
        self.renderer = try PageRenderer(assets: AssetStore())
        self.bridge = APIBridge(responder: api.router().buildResponder())
        self.performance = PerformanceCache()
    }

    /// One page route.
    struct Route: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var handler: @Sendable (Request, APIContext) async throws -> Response
    }

    var routes: [Route] {
        authRoutes + strategyListRoutes + strategyRoutes + authoringRoutes + backtestRoutes + subscriptionRoutes + credentialRoutes
            + botRoutes + assetRoutes
    }

    func register(on router: Router<APIContext>) {
        for r in routes { router.on(RouterPath(r.path), method: r.method, use: r.handler) }
    }
}
