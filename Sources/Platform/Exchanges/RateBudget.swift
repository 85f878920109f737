import Foundation
import Synchronization

/// One rate rule of an exchange: at most `limit` units per fixed window of `intervalMs`, aligned
/// to the exchange's clock (Binance's `rateLimits`: REQUEST_WEIGHT and RAW_REQUESTS per IP,
/// ORDERS per account).
public struct RateRule: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Request weight (per IP).
        case weight
        /// Requests, each counting 1 (per IP).
        case requests
        /// Orders placed (per account / API key).
        case orders
    }

    public var kind: Kind
    public var intervalMs: Int64
    public var limit: Int

    public init(kind: Kind, intervalMs: Int64, limit: Int) {
        self.kind = kind
        self.intervalMs = intervalMs
        self.limit = limit
    }

    /// The suffix of Binance's usage headers for this window (`1M`, `10S`, `1D`).
    public var headerSuffix: String {
        let (n, unit): (Int64, String) =
            intervalMs % 86_400_000 == 0 ? (intervalMs / 86_400_000, "D") :
            intervalMs % 3_600_000 == 0 ? (intervalMs / 3_600_000, "H") :
            intervalMs % 60_000 == 0 ? (intervalMs / 60_000, "M") : (intervalMs / 1_000, "S")
        return "\(n)\(unit)"
    }
}

/// A shared budget of fixed windows: every request first takes its cost from it, waiting (off
/// the cooperative pool's threads: `Task.sleep`) until a window has room; exchange headers raise
/// the counts to what the exchange saw; a 429 or 418 blocks the whole budget until its
/// `Retry-After` has passed. One budget per IP serves every subscriber of a venue, one per API
/// key serves that key's subscriptions, so many subscribers never get an account banned.
///
/// The exchange counts a request in the window it ARRIVES in, which may be later than the window
/// it was budgeted in (a queue in the HTTP pool, a busy machine) or, with clocks a little apart,
/// earlier. So a request counts in its window, in the previous one when it is taken within
/// `boundaryMs` of a window's start, in the next one when within `boundaryMs` of its end, and in
/// every window that begins while it is in flight (taken, not yet `release`d).
public final class RateBudget: Sendable {
    private struct Window {
        var rule: RateRule
        var start: Int64 = .min
        var used = 0
        var previousUsed = 0
        var nextUsed = 0  // counted for the following window (taken near this one's end)
        var inFlight = 0
    }

    private struct State {
        var windows: [Window]
        var blockedUntil: Int64 = 0
        var waits = 0
        var waitedMs: Int64 = 0
    }

    private let state: Mutex<State>
    let clock: ServerClock
    let boundaryMs: Int64

    public init(rules: [RateRule], clock: ServerClock, boundaryMs: Int64 = 250) {
        state = Mutex(State(windows: rules.map { Window(rule: $0) }))
        self.clock = clock
        self.boundaryMs = boundaryMs
    }

    /// The rules now in force.
    public var rules: [RateRule] { state.withLock { $0.windows.map(\.rule) } }

    /// Replaces the rules (from `exchangeInfo.rateLimits`), keeping the counts of rules that stay.
    public func update(rules: [RateRule]) {
        state.withLock { s in
            s.windows = rules.map { r in s.windows.first { $0.rule.kind == r.kind && $0.rule.intervalMs == r.intervalMs }.map {
                var w = $0
                w.rule = r
                return w
            } ?? Window(rule: r) }
        }
    }

    /// How often a request had to wait for room, and for how long in all (ms).
    public var waits: (count: Int, totalMs: Int64) { state.withLock { ($0.waits, $0.waitedMs) } }

    /// Takes `weight` (weight rules), one request (request rules) and `orders` (order rules),
    /// waiting until every window has room and no block is in force. Pair it with `release`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    public func acquire(weight: Int, orders: Int = 0) async throws {
        var waited = false
        while true {
            let now = clock.now()
            let wait: Int64 = state.withLock { s in
                if s.blockedUntil > now { return s.blockedUntil - now }
                var longest: Int64 = 0
                for i in s.windows.indices {
                    roll(&s.windows[i], now)
                    let w = s.windows[i]
                    let cost = Self.cost(w.rule.kind, weight, orders)
                    guard cost > 0 else { continue }
                    let end = w.start + w.rule.intervalMs
                    if w.used + cost > w.rule.limit
                        || (now < w.start + boundaryMs && w.previousUsed + cost > w.rule.limit) {
                        longest = max(longest, end - now + 1)
                    } else if now >= end - boundaryMs, w.nextUsed + w.inFlight + cost > w.rule.limit {
                        longest = max(longest, end + w.rule.intervalMs - now + 1)
                    }
                }
                guard longest == 0 else { return longest }
                for i in s.windows.indices {
                    let cost = Self.cost(s.windows[i].rule.kind, weight, orders)
                    guard cost > 0 else { continue }
                    s.windows[i].used += cost
                    s.windows[i].inFlight += cost
                    if now < s.windows[i].start + boundaryMs { s.windows[i].previousUsed += cost }
                    if now >= s.windows[i].start + s.windows[i].rule.intervalMs - boundaryMs { s.windows[i].nextUsed += cost }
                }
                return 0
            }
            if wait <= 0 { return }
            if !waited {
                waited = true
                state.withLock { $0.waits += 1 }
            }
            state.withLock { $0.waitedMs += wait }
            try await Task.sleep(for: .milliseconds(wait))
        }
    }

    /// The request taken by `acquire` got its answer (or failed): it no longer counts in windows to come.
    public func release(weight: Int, orders: Int = 0) {
        state.withLock { s in
            for i in s.windows.indices {
                s.windows[i].inFlight = max(0, s.windows[i].inFlight - Self.cost(s.windows[i].rule.kind, weight, orders))
            }
        }
    }

    /// Raises a window's count to what the exchange reported (`X-MBX-USED-WEIGHT-1M`, …).
    public func observe(kind: RateRule.Kind, intervalMs: Int64, used: Int) {
        let now = clock.now()
        state.withLock { s in
            for i in s.windows.indices where s.windows[i].rule.kind == kind && s.windows[i].rule.intervalMs == intervalMs {
                roll(&s.windows[i], now)
                s.windows[i].used = max(s.windows[i].used, used)
            }
        }
    }

    /// Sends nothing more until `retryAfterMs` (plus the boundary margin) has passed: after a 429 or 418.
    public func block(retryAfterMs: Int64) {
        let until = clock.now() + retryAfterMs + boundaryMs
        state.withLock { $0.blockedUntil = max($0.blockedUntil, until) }
    }

    private static func cost(_ kind: RateRule.Kind, _ weight: Int, _ orders: Int) -> Int {
        switch kind {
        case .weight: return weight
        case .requests: return 1
        case .orders: return orders
        }
    }

    /// Moves a window to the one holding `now`: the new window starts with what was counted for
    /// it near the old one's end, plus everything still in flight.
    private func roll(_ w: inout Window, _ now: Int64) {
        let start = now - ((now % w.rule.intervalMs) + w.rule.intervalMs) % w.rule.intervalMs
        guard start != w.start else { return }
        let adjacent = start == w.start + w.rule.intervalMs
        w.previousUsed = adjacent ? w.used : w.inFlight
        w.used = (adjacent ? w.nextUsed : 0) + w.inFlight
        w.nextUsed = 0
        w.start = start
    }
}

/// The budgets of one venue: one per IP (this process's address) and one per API key.
public final class RateBudgets: Sendable {
    public let ip: RateBudget
    private let keys = Mutex<[String: RateBudget]>([:])
    private let keyRules: Mutex<[RateRule]>
    let clock: ServerClock

    public init(ipRules: [RateRule], keyRules: [RateRule], clock: ServerClock) {
        ip = RateBudget(rules: ipRules, clock: clock)
        self.keyRules = Mutex(keyRules)
        self.clock = clock
    }

    /// The budget of one API key (by `ExchangeCredentials.keyID`).
    public func key(_ keyID: String) -> RateBudget {
        keys.withLock { k in
            if let b = k[keyID] { return b }
            let b = RateBudget(rules: keyRules.withLock { $0 }, clock: clock)
            k[keyID] = b
            return b
        }
    }

    /// Sets the rules of the IP budget and of every key budget.
    public func update(ipRules: [RateRule], keyRules rules: [RateRule]) {
        ip.update(rules: ipRules)
        keyRules.withLock { $0 = rules }
        for b in keys.withLock({ Array($0.values) }) { b.update(rules: rules) }
    }

    /// Waits on both budgets: the IP's for weight and requests, the key's for orders (and requests, where the key has request rules).
    public func acquire(weight: Int, orders: Int, keyID: String?) async throws {
        if let keyID { try await key(keyID).acquire(weight: 0, orders: orders) }
        do {
            try await ip.acquire(weight: weight, orders: 0)
        } catch {
            if let keyID { key(keyID).release(weight: 0, orders: orders) }
            throw error
        }
    }

    /// Ends what `acquire` took: the request was answered or failed.
    public func release(weight: Int, orders: Int, keyID: String?) {
        if let keyID { key(keyID).release(weight: 0, orders: orders) }
        ip.release(weight: weight, orders: 0)
    }
}
