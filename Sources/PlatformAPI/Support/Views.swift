import Foundation
import Platform

// Response bodies: what clients see of stored rows. Secrets (password hashes, credential bytes)
// have no field here, so no response can carry them.

struct UserView: Encodable {
    var id: Int64
    var email: String?
    var name: String
    var createdAt: Int64

    init(_ u: StoredUser) {
        id = u.id
        email = u.email
        name = u.name
        createdAt = u.createdAt
    }
}

struct AuthView: Encodable {
    var user: UserView
    var token: String
    var expiresIn: Int64
}

struct StrategyView: Encodable {
    var id: Int64
    var name: String
    var description: String
    var ownerId: Int64
    var kind: StrategyKind
    var version: Int
    var versionId: Int64
    var symbols: [String]
    var timeframe: String
    var lookback: Int
    var isolation: String
    var params: JSONValue
    var reference: ReferenceView
    var activeSubscribers: Int
    var createdAt: Int64
    var updatedAt: Int64
    var maxLagSeconds: Int64
    /// Paused by the scheduler (it does not run until its owner resumes it).
    var paused: Bool
    /// The owner only: why it was paused, and when.
    var pausedReason: String?
    var pausedAt: Int64?
    /// The owner only.
    var source: String?
    var webhookToken: String?
    var versions: [VersionView]?

    init(_ s: StrategySummary, owner: Bool = false, webhookToken: String? = nil, versions: [StoredVersion]? = nil) {
        id = s.id
        name = s.name
        description = s.description
        ownerId = s.ownerID
        kind = s.kind
        version = s.version.version
        versionId = s.version.id
        symbols = s.version.spec.symbols
        timeframe = s.version.spec.timeframe.rawValue
        lookback = s.version.spec.lookback
        isolation = s.version.spec.isolation.rawValue
        params = JSONValue.parse(s.version.spec.params)
        reference = ReferenceView(s.version.spec.reference)
        activeSubscribers = s.activeSubscribers
        createdAt = s.createdAt
        updatedAt = s.updatedAt
        maxLagSeconds = s.maxLagMillis / 1000
        paused = s.pausedReason != nil
        pausedReason = owner ? s.pausedReason : nil
        pausedAt = owner ? s.pausedAt : nil
        source = owner && s.kind == .code ? s.version.spec.source : nil
        self.webhookToken = owner ? webhookToken : nil
        self.versions = versions?.map { VersionView(id: $0.id, version: $0.version, timeframe: $0.spec.timeframe.rawValue, symbols: $0.spec.symbols) }
    }
}

/// A strategy's reference account: the capital its orders are sized for, its market, leverage
/// and the risk per trade its signals are sized with.
struct ReferenceView: Encodable {
    var capital: Double
    var market: MarketKind
    var leverage: Double
    var riskPerTrade: Double

    init(_ r: ReferenceSpec) {
        capital = r.capital
        market = r.market
        leverage = r.leverage
        riskPerTrade = r.riskPerTrade
    }
}

struct VersionView: Encodable {
    var id: Int64
    var version: Int
    var timeframe: String
    var symbols: [String]
}

struct SubscriptionView: Encodable {
    var id: Int64
    var strategyId: Int64
    var capital: Double
    var riskPerTrade: Double
    var leverage: Double
    var allowShort: Bool
    var market: MarketKind
    var brokerCredentialId: String?
    var status: SubscriptionStatus
    var createdAt: Int64

    init(_ s: StoredSubscription) {
        id = s.id
        strategyId = s.strategyID
        capital = s.terms.capital
        riskPerTrade = s.terms.riskPerTrade
        leverage = s.terms.leverage
        allowShort = s.terms.allowShort
        market = s.terms.market
        brokerCredentialId = s.brokerCredentialID
        status = s.status
        createdAt = s.createdAt
    }
}

struct StatsView: Encodable {
    var subscriptionId: Int64
    var status: SubscriptionStatus
    var trades: Int
    var winRate: Double
    var realisedPnl: Double
    var unrealisedPnl: Double
    var returnPct: Double
    var maxDrawdownPct: Double
    var profitFactor: Double?
}

/// A subscription's live trading: orders sent to its exchange and reconciliation findings.
struct LiveActivityView: Encodable {
    var subscriptionId: Int64
    /// The broker credential it trades with (nil: paper).
    var credentialId: String?
    var orders: [LiveOrderView]
    var findings: [LiveFindingView]
}

struct LiveOrderView: Encodable {
    var orderNo: Int64
    var kind: String
    var clientId: String
    var outcome: String
    var status: String
    var reason: String
    var exchangeState: String?
    var errorCode: String?
    var exchangeCode: Int?
    var message: String?

    init(_ r: LiveOrderRecord) {
        (orderNo, kind, clientId, outcome, status, reason) = (r.orderNo, r.kind, r.clientID, r.outcome, r.status, r.reason)
        (exchangeState, errorCode, exchangeCode, message) = (r.exchangeState, r.errorCode, r.exchangeCode, r.message)
    }
}

struct LiveFindingView: Encodable {
    var time: Int64
    var disagreement: String
    var resolution: String

    init(_ f: LiveFinding) { (time, disagreement, resolution) = (f.time, f.disagreement, f.resolution) }
}

struct CredentialView: Encodable {
    var id: String
    var broker: String
    var label: String
    var apiKeyHint: String
    var createdAt: Int64

    init(_ c: CredentialSummary) {
        id = c.id
        broker = c.broker
        label = c.label
        apiKeyHint = c.hint
        createdAt = c.createdAt
    }
}

struct PageView<Item: Encodable>: Encodable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int

    init<T>(_ page: Page<T>, _ map: (T) -> Item) {
        items = page.items.map(map)
        total = page.total
        limit = page.limit
        offset = page.offset
    }
}

struct WebhookView: Encodable {
    var strategyId: Int64
    var executionId: Int64?
    /// False when this alert (same strategy, symbol and time) was already taken.
    var accepted: Bool
    var ordersFilled: Int
    var ordersSkipped: Int
}
