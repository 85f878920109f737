import Foundation
import Synchronization

/// The execution lock for several workers: `SET key token NX PX ttl`, renewed while the
/// execution runs, released by a compare-and-delete script so a worker never frees a lock that
/// expired and was taken by another.
///
/// Connection errors are retried with backoff; when Redis stays unreachable `acquire` throws
/// `lockUnavailable` and the worker takes no execution. The database's UNIQUE execution key
/// still fences a worker whose lock expired mid-run.
public final class RedisLock: ExecutionLock {
    let client: RedisClient
    let prefix: String
    private let renewals = Mutex<Set<String>>([])
    private let renewQueue = DispatchQueue(label: "tradectl.redis-lock.renewal")
    private let counter = Atomic<UInt64>(0)
    private let node = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"

    static let renewScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end
        """
    static let releaseScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
        """

    public init(client: RedisClient, prefix: String = "tradectl:lock:") {
        self.client = client
        self.prefix = prefix
    }

    public func acquire(_ key: String, ttl: Duration) async throws(PlatformError) -> LockLease? {
        let token = "\(node)-\(counter.add(1, ordering: .relaxed).newValue)"
        let ms = max(1, Int(ttl / .milliseconds(1)))
        var delay: UInt64 = 20_000_000
        var lastError = PlatformError(.lockUnavailable, "redis unreachable")
        for attempt in 0..<4 {
            do throws(PlatformError) {
                let reply = try client.command(["SET", prefix + key, token, "NX", "PX", String(ms)])
                guard reply == .status("OK") else { return nil }
                let lease = LockLease(key: key, token: token)
                startRenewal(lease, ttlMs: ms)
                return lease
            } catch {
                lastError = error
                if attempt < 3 {
                    try? await Task.sleep(nanoseconds: delay)
                    delay *= 2
                }
            }
        }
        throw lastError
    }

    public func release(_ lease: LockLease) async {
        renewals.withLock { _ = $0.remove(lease.token) }
        _ = try? client.command(["EVAL", Self.releaseScript, "1", prefix + lease.key, lease.token])
    }

    /// Extends the lock every third of its TTL until released (or until it is found lost). Runs on
    /// a private dispatch queue, not the cooperative pool, so busy tasks cannot starve it.
    private func startRenewal(_ lease: LockLease, ttlMs: Int) {
        renewals.withLock { _ = $0.insert(lease.token) }
        scheduleRenewal(lease, ttlMs: ttlMs)
    }

    private func scheduleRenewal(_ lease: LockLease, ttlMs: Int) {
        renewQueue.asyncAfter(deadline: .now() + .milliseconds(max(1, ttlMs / 3))) { [self] in
            guard renewals.withLock({ $0.contains(lease.token) }) else { return }
            let reply = try? client.command(["EVAL", Self.renewScript, "1", prefix + lease.key, lease.token, String(ttlMs)])
            if reply == .integer(0) {  // lost: the fence in the database still holds
                renewals.withLock { _ = $0.remove(lease.token) }
                return
            }
            scheduleRenewal(lease, ttlMs: ttlMs)
        }
    }
}
