/// What one user may hold. The API applies `Quotas.defaults` (configurable with `serve`'s options);
/// library callers pass their own, and `unlimited` (the default of the storage calls) checks nothing
/// but the symbol grammar.
public struct Quotas: Sendable, Equatable {
    /// Live (not deleted) strategies a user may own.
    public var strategiesPerUser: Int?
    /// Symbols one strategy version may run on.
    public var symbolsPerStrategy: Int?
    /// Live (active or paused) subscriptions a user may hold.
    public var subscriptionsPerUser: Int?

    public init(strategiesPerUser: Int? = nil, symbolsPerStrategy: Int? = nil, subscriptionsPerUser: Int? = nil) {
        self.strategiesPerUser = strategiesPerUser
        self.symbolsPerStrategy = symbolsPerStrategy
        self.subscriptionsPerUser = subscriptionsPerUser
    }

    /// No count is checked.
    public static let unlimited = Quotas()

    /// The API's defaults: 25 strategies, 50 symbols per strategy, 100 subscriptions.
    public static let defaults = Quotas(strategiesPerUser: 25, symbolsPerStrategy: 50, subscriptionsPerUser: 100)

    /// Throws `quotaExceeded` naming `field` when `count` is past `limit`.
    static func check(_ count: Int, against limit: Int?, _ what: String, field: String? = nil) throws(PlatformError) {
        guard let limit, count > limit else { return }
        throw PlatformError(.quotaExceeded, "\(what): at most \(limit) allowed, this would make \(count)", field: field)
    }
}
