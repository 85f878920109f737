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
                let reply = try await client.command(["SET", prefix + key, token, "NX", "PX", String(ms)])
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
        _ = try? await client.command(["EVAL", Self.releaseScript, "1", prefix + lease.key, lease.token])
    }

    /// Extends the lock every third of its TTL until released (or until it is found lost). The loop
    /// starts and runs on the Redis client's own queue (`RedisClient.repeatCommand`, a task
    /// preferring that executor), not the cooperative pool, so busy tasks cannot starve it.
    private func startRenewal(_ lease: LockLease, ttlMs: Int) {
        renewals.withLock { _ = $0.insert(lease.token) }
        let args = ["EVAL", Self.renewScript, "1", prefix + lease.key, lease.token, String(ttlMs)]
        Task(executorPreference: client.taskExecutor) { [self] in
            // A reply of 0 means the lock was lost: the fence in the database still holds.
            await client.repeatCommand(args, every: .milliseconds(max(1, ttlMs / 3)), stopReply: .integer(0)) {
                self.renewals.withLock { $0.contains(lease.token) }
            }
            renewals.withLock { _ = $0.remove(lease.token) }
        }
    }
}
