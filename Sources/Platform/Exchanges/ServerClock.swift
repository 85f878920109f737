import Foundation
import Synchronization

/// The exchange's clock as seen from here: local time plus an offset measured from the exchange's
/// time endpoint (half the round trip assumed each way). Signed requests carry `now()`.
public final class ServerClock: Sendable {
    private struct State {
        var offset: Int64 = 0
        var synced = false
        var syncedAt: Int64 = 0
    }

    private let state = Mutex(State())
    /// How long an offset is trusted before it is measured again.
    public let resyncAfterMs: Int64

    public init(resyncAfterMs: Int64 = 600_000) { self.resyncAfterMs = resyncAfterMs }

    /// Local wall time, epoch milliseconds.
    @inline(__always)
    public static func localNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The exchange's time now, by the last measured offset.
    public func now() -> Int64 { Self.localNow() + state.withLock { $0.offset } }

    /// Milliseconds the exchange's clock is ahead of ours.
    public var offset: Int64 { state.withLock { $0.offset } }

    /// Whether the offset should be measured (never measured, too old, or invalidated).
    public var needsSync: Bool {
        let now = Self.localNow()
        return state.withLock { !$0.synced || now - $0.syncedAt > resyncAfterMs }
    }

    /// Records a measurement: the exchange said `serverTime` for a request sent at local `sentAt`
    /// and answered at local `receivedAt`.
    public func observe(serverTime: Int64, sentAt: Int64, receivedAt: Int64) {
        let mid = sentAt + (receivedAt - sentAt) / 2
        state.withLock {
            $0.offset = serverTime - mid
            $0.synced = true
            $0.syncedAt = receivedAt
        }
    }

    /// Marks the offset stale (after a -1021 timestamp rejection).
    public func invalidate() { state.withLock { $0.synced = false } }
}
