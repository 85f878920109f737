import Synchronization

/// A held lock on one execution key.
public struct LockLease: Sendable, Equatable {
    public let key: String
    public let token: String

    public init(key: String, token: String) {
        self.key = key
        self.token = token
    }
}

/// Keeps two workers from running the same execution key at once. It is an optimisation: the
/// UNIQUE execution key in the database is the fence that makes a second execution impossible.
public protocol ExecutionLock: Sendable {
    /// Takes the lock, or returns nil when another holder has it.
    ///
    /// - Throws: `PlatformError.lockUnavailable` when the lock backend cannot be reached; the
    ///   caller must then not execute.
    func acquire(_ key: String, ttl: Duration) async throws(PlatformError) -> LockLease?
    /// Releases the lock if `lease` still holds it.
    func release(_ lease: LockLease) async
}

/// The embedded default: a lock table in this process.
public final class InProcessLock: ExecutionLock {
    private let held = Mutex<[String: String]>([:])
    private let counter = Atomic<UInt64>(0)

    public init() {}

    public func acquire(_ key: String, ttl: Duration) async throws(PlatformError) -> LockLease? {
        let token = "t\(counter.add(1, ordering: .relaxed).newValue)"
        return held.withLock { h -> LockLease? in
            if h[key] != nil { return nil }
            h[key] = token
            return LockLease(key: key, token: token)
        }
    }

    public func release(_ lease: LockLease) async {
        held.withLock { h in
            if h[lease.key] == lease.token { h[lease.key] = nil }
        }
    }
}
