import Foundation
import Synchronization

/// The active (strategy version, symbols, timeframe) set workers follow: the newest version of
/// every live strategy with an active subscriber. Refreshed periodically; `invalidate()` after a
/// subscription or strategy changes makes every worker see it on its next read.
public protocol StrategyRegistry: Sendable {
    func activeVersions() async throws(PlatformError) -> [StoredVersion]
    func invalidate() async
}

/// The embedded default: the database, cached in memory for `ttl`.
public final class LocalRegistry: StrategyRegistry {
    let db: PlatformDatabase
    let ttl: Duration
    private let cache = Mutex<(versions: [StoredVersion], at: ContinuousClock.Instant)?>(nil)

    public init(db: PlatformDatabase, ttl: Duration = .seconds(2)) {
        self.db = db
        self.ttl = ttl
    }

    public func activeVersions() async throws(PlatformError) -> [StoredVersion] {
        if let c = cache.withLock({ $0 }), ContinuousClock.now - c.at < ttl { return c.versions }
        let versions = try db.activeVersions()
        cache.withLock { $0 = (versions, .now) }
        return versions
    }

    public func invalidate() async { cache.withLock { $0 = nil } }
}

/// The registry shared through Redis (`--redis`): the ids of the active versions under one key
/// with a TTL. A worker that finds the key reads only those versions; one that misses it rebuilds
/// it from the database. When Redis is unreachable the database answers directly.
public final class RedisRegistry: StrategyRegistry {
    let db: PlatformDatabase
    let client: RedisClient
    let key: String
    let ttl: Duration

    public init(db: PlatformDatabase, client: RedisClient, key: String = "tradectl:registry", ttl: Duration = .seconds(5)) {
        self.db = db
        self.client = client
        self.key = key
        self.ttl = ttl
    }

    public func activeVersions() async throws(PlatformError) -> [StoredVersion] {
        if let reply = try? await client.command(["GET", key]), case .string(let text) = reply {
            let ids = text.split(separator: ",").compactMap { Int64($0) }
            if ids.count == text.split(separator: ",").count { return try db.versions(ids: ids) }
        }
        let versions = try db.activeVersions()
        let text = versions.map { String($0.id) }.joined(separator: ",")
        _ = try? await client.command(["SET", key, text, "PX", String(Int(ttl / .milliseconds(1)))])
        return versions
    }

    public func invalidate() async { _ = try? await client.command(["DEL", key]) }
}
