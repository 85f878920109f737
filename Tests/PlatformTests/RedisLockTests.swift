import Foundation
import Synchronization
import Platform
import TestSupport
import Testing

@Suite(.serialized) struct RedisLockTests {
    @Test func setNXExcludesASecondHolderAndReleaseIsCompareAndDelete() async throws {
        let redis = try RedisHarness()
        let a = RedisLock(client: try RedisClient(url: redis.url))
        let b = RedisLock(client: try RedisClient(url: redis.url))
        // A TTL far beyond the test's length: this is about exclusion, never about expiry.
        let lease = try #require(try await a.acquire("k1", ttl: .seconds(120)))
        #expect(try await b.acquire("k1", ttl: .seconds(120)) == nil)
        // A release with a stale token (someone else's lease) must not free the lock.
        await b.release(LockLease(key: "k1", token: "not-mine"))
        #expect(try await b.acquire("k1", ttl: .seconds(120)) == nil)
        await a.release(lease)
        #expect(try await b.acquire("k1", ttl: .seconds(120)) != nil)
    }

    @Test func aHeldLockIsRenewedAndAnAbandonedOneExpires() async throws {
        let redis = try RedisHarness()
        let client = try RedisClient(url: redis.url)
        let a = RedisLock(client: client)
        let held = try #require(try await a.acquire("k2", ttl: .seconds(1)))
        try await Task.sleep(for: .milliseconds(2_500))  // well past the TTL: renewal must have extended it
        #expect(try await RedisLock(client: client).acquire("k2", ttl: .seconds(1)) == nil)
        await a.release(held)
        // An abandoned lock (a killed worker) expires by its TTL.
        _ = try await client.command(["SET", "tradectl:lock:k3", "dead-worker", "PX", "200"])
        var taken: LockLease?
        for _ in 0..<20 where taken == nil {
            taken = try await a.acquire("k3", ttl: .seconds(1))
            if taken == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(taken != nil)
    }

    @Test func unreachableRedisIsATypedErrorAndRecoversAfterARestart() async throws {
        let redis = try RedisHarness()
        let lock = RedisLock(client: try RedisClient(url: redis.url, timeoutMs: 200))
        redis.stop()
        await #expect {
            _ = try await lock.acquire("k4", ttl: .seconds(1))
        } throws: { ($0 as? PlatformError)?.code == .lockUnavailable }
        try redis.start()
        #expect(try await lock.acquire("k4", ttl: .seconds(1)) != nil)
    }

    /// hiredis waits inside a blocking read; the client's own queue does that waiting, so a server
    /// that never answers holds no thread of the cooperative pool: with more commands stuck than
    /// the pool has threads, other async work still runs to completion before any of them ends.
    @Test func aRedisThatNeverAnswersHoldsNoCooperativeThread() async throws {
        let silent = try SilentServer()
        let stuck = ProcessInfo.processInfo.activeProcessorCount + 2
        let finished = Counter()
        let commands = (0..<stuck).map { _ in
            Task { () -> PlatformError? in
                defer { finished.value.add(1, ordering: .relaxed) }
                do throws(PlatformError) {
                    _ = try await RedisClient(host: "127.0.0.1", port: silent.port, timeoutMs: 3_000).command(["PING"])
                    return nil
                } catch { return error }
            }
        }
        try await Task.sleep(for: .milliseconds(300))  // lets every command reach its blocking read
        let endedBeforeOtherWork = await Task.detached { finished.value.load(ordering: .relaxed) }.value
        #expect(endedBeforeOtherWork == 0, "\(endedBeforeOtherWork) of \(stuck) commands ended before a cooperative task could run")
        for command in commands { #expect(await command.value?.code == .lockUnavailable) }
    }
}

@Suite(.serialized) struct RedisRegistryTests {
    @Test func workersShareTheRegistryThroughRedisUntilItIsInvalidated() async throws {
        let redis = try RedisHarness()
        let db = try PlatformDatabase.inMemory()
        let author = try db.createUser(name: "a")
        let spec = StrategyVersionSpec(source: "def main(data):\n    return None\n", symbols: ["BTCUSDT"], timeframe: .m1)
        let first = try db.createStrategy(ownerID: author, name: "one", spec: spec)
        let second = try db.createStrategy(ownerID: author, name: "two", spec: spec)
        _ = try db.subscribe(userID: author, strategyID: first.strategyID, terms: try SubscriptionTerms(capital: 100, riskPerTrade: 0.1))
        let registry = RedisRegistry(db: db, client: try RedisClient(url: redis.url), ttl: .seconds(30))
        #expect(try await registry.activeVersions().map(\.id) == [first.id])
        // A new subscriber: a worker reading the shared key still sees the old set...
        _ = try db.subscribe(userID: author, strategyID: second.strategyID, terms: try SubscriptionTerms(capital: 100, riskPerTrade: 0.1))
        let other = RedisRegistry(db: db, client: try RedisClient(url: redis.url), ttl: .seconds(30))
        #expect(try await other.activeVersions().map(\.id) == [first.id])
        // ...until the change invalidates it.
        await registry.invalidate()
        #expect(try await other.activeVersions().map(\.id) == [first.id, second.id])
        // Without Redis the database answers.
        redis.stop()
        #expect(try await other.activeVersions().map(\.id) == [first.id, second.id])
    }
}

@Suite(.serialized) struct SettingsCacheTests {
    @Test func rulesComeFromTheCacheUntilInvalidated() async throws {
        let redis = try RedisHarness()
        let db = try PlatformDatabase.inMemory()
        try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.01, minNotional: 10))
        let shared = RedisSettings(db: db, client: try RedisClient(url: redis.url))
        let local = LocalSettings(db: db)
        #expect(try await shared.rules("BTCUSDT") == SymbolRules(lotStep: 0.01, minNotional: 10))
        #expect(try await local.rules("BTCUSDT") == SymbolRules(lotStep: 0.01, minNotional: 10))
        try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.1, minNotional: 5))
        #expect(try await shared.rules("BTCUSDT").lotStep == 0.01)  // cached
        await shared.invalidate(symbol: "BTCUSDT")
        await local.invalidate(symbol: "BTCUSDT")
        #expect(try await shared.rules("BTCUSDT") == SymbolRules(lotStep: 0.1, minNotional: 5))
        #expect(try await local.rules("BTCUSDT") == SymbolRules(lotStep: 0.1, minNotional: 5))
        #expect(throws: PlatformError.self) { try db.setRules(symbol: "X", SymbolRules(lotStep: -1)) }
    }
}

/// A counter the tasks of a test share.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// A loopback port that accepts connections into its backlog and never reads or answers.
final class SilentServer: Sendable {
    let fd: Int32
    let port: Int32

    init() throws {
        port = try RedisHarness.freePort()
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let bound = RedisHarness.withLoopback(port) { bind(fd, $0, $1) == 0 }
        guard fd >= 0, bound, listen(fd, 64) == 0 else { throw HarnessError("cannot listen on 127.0.0.1:\(port)") }
    }

    deinit { close(fd) }
}
