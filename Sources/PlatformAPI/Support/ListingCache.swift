import Foundation
import NIOCore
import Synchronization

/// Encoded pages of the public strategy listing, the API's hottest read. A page is served from
/// here for at most `ttl`, and never after a write through this API changed strategies or
/// subscriptions (`invalidate()`), so a listing is at most `ttl` behind writes made elsewhere.
final class ListingCache: Sendable {
    private struct State {
        var generation = 0
        var pages: [String: (generation: Int, at: ContinuousClock.Instant, body: ByteBuffer)] = [:]
    }
    private let state = Mutex(State())
    let ttl: Duration
    let capacity = 256

    init(ttl: Duration) {
        self.ttl = ttl
    }

    func invalidate() {
        state.withLock {
            $0.generation += 1
            $0.pages.removeAll(keepingCapacity: true)
        }
    }

    /// The cached body for `key`, or the one `make` builds (then cached if no write came between).
    func body(_ key: String, make: () throws -> ByteBuffer) rethrows -> ByteBuffer {
        let now = ContinuousClock.now
        let (hit, generation): (ByteBuffer?, Int) = state.withLock { s in
            if let p = s.pages[key], p.generation == s.generation, now - p.at < ttl { return (p.body, s.generation) }
            return (nil, s.generation)
        }
        if let hit { return hit }
        let body = try make()
        state.withLock { s in
            guard s.generation == generation else { return }
            if s.pages.count >= capacity { s.pages.removeAll(keepingCapacity: true) }
            s.pages[key] = (generation, now, body)
        }
        return body
    }
}
