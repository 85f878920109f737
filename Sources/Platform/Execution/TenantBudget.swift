/// Time budgets per candle close. Each author may spend `share` of a candle period (wall time:
/// the accelerated clock shortens it) per close, split evenly over the author's active strategies;
/// a strategy's unused budget banks up to `burst` closes. A strategy whose balance is spent is
/// *throttled*: its candles are recorded as skipped, with the reason, until the budget refills
/// (it runs less often). A close on which a strategy was throttled, or used more than its budget,
/// is a strike; `pauseAfter` strikes in a row pause it. A close within budget clears the strikes.
struct TenantBudget {
    struct Policy: Sendable {
        var share: Double
        var burst: Double
        var pauseAfter: Int?
    }

    enum Decision: Equatable {
        case run
        case throttle(String)
        case pause(String)
    }

    private struct Account {
        var balance: Double
        /// The candle whose close is being accounted, its use (µs), and whether it was throttled.
        var close: Int64
        var used: Double = 0
        var throttled = false
        var strikes = 0
        var lastOverUse: Double = 0
        /// A moving average of one execution's strategy time, µs (the queue's cost estimate).
        var typical: Double = 0
    }

    let policy: Policy
    private var accounts: [Int64: Account] = [:]

    init(_ policy: Policy) {
        self.policy = policy
    }

    /// Whether `version` may run its candle `candle` (open time) now.
    /// - Parameters:
    ///   - budget: the strategy's budget per close, µs.
    ///   - period: the timeframe in virtual ms, to count the closes since the last one.
    mutating func admit(_ version: Int64, candle: Int64, period: Int64, budget: Double, describe: String) -> Decision {
        var a = accounts[version] ?? Account(balance: policy.burst * budget, close: candle)
        if candle > a.close {
            if a.throttled || a.used > budget {
                a.strikes += 1
                if a.used > budget { a.lastOverUse = a.used }
            } else {
                a.strikes = 0
            }
            let closes = Double(max(1, (candle - a.close) / max(period, 1)))
            a.balance = min(a.balance + closes * budget, policy.burst * budget)
            a.close = candle
            a.used = 0
            a.throttled = false
        }
        defer { accounts[version] = a }
        let ms = { (us: Double) in "\(Int((us / 1_000).rounded())) ms" }
        if let limit = policy.pauseAfter, a.strikes >= limit {
            return .pause("paused by the scheduler: over its time budget of \(ms(budget)) per candle close (\(describe)) on \(a.strikes) closes "
                + "in a row\(a.lastOverUse > 0 ? ", using up to \(ms(a.lastOverUse))" : ""). Make it faster or run it on fewer symbols, "
                + "then resume it or upload a new version.")
        }
        if a.balance <= 0 {
            a.throttled = true
            return .throttle("throttled: over its time budget of \(ms(budget)) per candle close (\(describe)); \(ms(-a.balance)) "
                + "overdrawn, it runs again once the budget refills")
        }
        return .run
    }

    /// Charges an execution's strategy time (µs) to `version`'s current close.
    mutating func charge(_ version: Int64, micros: Int) {
        guard var a = accounts[version] else { return }
        a.balance -= Double(micros)
        a.used += Double(micros)
        a.typical = a.typical == 0 ? Double(micros) : (a.typical * 7 + Double(micros)) / 8
        accounts[version] = a
    }

    /// The typical strategy time of one execution of `version`, µs (0 when unknown).
    func cost(_ version: Int64) -> Int { Int(accounts[version]?.typical ?? 0) }

    mutating func forget(_ version: Int64) { accounts[version] = nil }
}

/// Backoff for strategies that fail to load: the n-th failure in a row waits
/// `initial` × 2^(n−1), at most `cap`, before the next attempt.
struct LoadBackoff {
    let initial: Duration
    let cap: Duration
    private var failures: [Int64: (count: Int, retryAt: ContinuousClock.Instant)] = [:]

    init(initial: Duration, cap: Duration) {
        self.initial = initial
        self.cap = cap
    }

    func mayLoad(_ version: Int64, now: ContinuousClock.Instant) -> Bool {
        failures[version].map { now >= $0.retryAt } ?? true
    }

    /// Records a failure; returns how many in a row, and the wait before the next attempt.
    mutating func failed(_ version: Int64, now: ContinuousClock.Instant) -> (count: Int, wait: Duration) {
        let count = (failures[version]?.count ?? 0) + 1
        let wait = delay(after: count)
        failures[version] = (count, now + wait)
        return (count, wait)
    }

    mutating func succeeded(_ version: Int64) { failures[version] = nil }

    func delay(after count: Int) -> Duration {
        var d = initial
        for _ in 1..<max(count, 1) {
            d *= 2
            if d >= cap { return cap }
        }
        return min(d, cap)
    }
}
