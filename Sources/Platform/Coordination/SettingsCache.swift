import Foundation
import Synchronization

/// Per-symbol trading settings (lot step, minimum notional, price and quantity bounds) read on every execution, cached.
public protocol SettingsCache: Sendable {
    func rules(_ symbol: String) async throws(PlatformError) -> SymbolRules
    /// Drops a symbol after its settings changed.
    func invalidate(symbol: String) async
}

/// The embedded default: the database, cached in memory for `ttl`.
public final class LocalSettings: SettingsCache {
    let db: PlatformDatabase
    let ttl: Duration
    private let cache = Mutex<[String: (SymbolRules, ContinuousClock.Instant)]>([:])

    public init(db: PlatformDatabase, ttl: Duration = .seconds(5)) {
        self.db = db
        self.ttl = ttl
    }

    public func rules(_ symbol: String) async throws(PlatformError) -> SymbolRules {
        if let (r, at) = cache.withLock({ $0[symbol] }), ContinuousClock.now - at < ttl { return r }
        let r = try db.rules(symbol: symbol)
        cache.withLock { $0[symbol] = (r, .now) }
        return r
    }

    public func invalidate(symbol: String) async { cache.withLock { _ = $0.removeValue(forKey: symbol) } }
}

/// Settings shared through Redis (`--redis`): `tradectl:rules:SYMBOL` = `SymbolRules.cacheText`
/// with a TTL, rebuilt from the database on a miss; the database answers when Redis is unreachable.
public final class RedisSettings: SettingsCache {
    let db: PlatformDatabase
    let client: RedisClient
    let ttl: Duration

    public init(db: PlatformDatabase, client: RedisClient, ttl: Duration = .seconds(30)) {
        self.db = db
        self.client = client
        self.ttl = ttl
    }

    public func rules(_ symbol: String) async throws(PlatformError) -> SymbolRules {
        let key = "tradectl:rules:" + symbol
        if let reply = try? await client.command(["GET", key]), case .string(let text) = reply,
           let r = SymbolRules(cacheText: text), (try? r.validate()) != nil {  // an older process's value counts as a miss
            return r
        }
        let r = try db.rules(symbol: symbol)
        _ = try? await client.command(["SET", key, r.cacheText, "PX", String(Int(ttl / .milliseconds(1)))])
        return r
    }

    public func invalidate(symbol: String) async { _ = try? await client.command(["DEL", "tradectl:rules:" + symbol]) }
}
