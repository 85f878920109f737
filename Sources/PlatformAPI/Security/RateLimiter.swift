import Foundation
import Synchronization

/// A fixed-window limit per client: at most `limit` requests per `window` per key. Used on the
/// auth endpoints, where each request costs a bcrypt hash and guesses passwords.
final class RateLimiter: Sendable {
    let limit: Int
    let window: Duration
    private let windows = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])

    init(limit: Int, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    /// Counts a request; throws 429 with Retry-After once the key is over its limit.
    func admit(_ key: String) throws {
        let now = ContinuousClock.now
        let retry: Duration? = windows.withLock { w in
            if w.count > 10_000 { w = w.filter { now - $0.value.start < window } }  // bounded memory
            var entry = w[key] ?? (now, 0)
            if now - entry.start >= window { entry = (now, 0) }
            entry.count += 1
            w[key] = entry
            return entry.count > limit ? window - (now - entry.start) : nil
        }
        if let retry {
            var p = Problem(.tooManyRequests, "too many requests; try again in \(retry.components.seconds + 1) s")
            p.headers[.retryAfter] = String(retry.components.seconds + 1)
            throw p
        }
    }
}
