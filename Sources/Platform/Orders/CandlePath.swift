import StrategyRuntime

/// The path a candle is walked along (ORDERS.md): open → low → high → close when close ≥ open,
/// else open → high → low → close. A point on it is the distance travelled from the open, so
/// orders fill in the order the path reaches their prices, and on one leg in price order.
///
/// Prices already reached at the open (the candle gapped through them) get a position before the
/// open, −|price − open|: the price that lies farther from the open was passed first on the way.
struct CandlePath: Sendable {
    let p0, p1, p2, p3: Double
    /// Distance travelled at p1, p2 and p3.
    let c1, c2, c3: Double

    /// nil unless every price is finite and > 0, low ≤ open, close ≤ high.
    init?(_ bar: Bar) {
        let (o, h, l, c) = (bar.open, bar.high, bar.low, bar.close)
        guard o > 0, h.isFinite, l > 0, c > 0, l <= min(o, c), h >= max(o, c) else { return nil }
        p0 = o
        p1 = c >= o ? l : h
        p2 = c >= o ? h : l
        p3 = c
        c1 = abs(p1 - p0)
        c2 = c1 + abs(p2 - p1)
        c3 = c2 + abs(p3 - p2)
    }

    @inline(__always)
    private func leg(_ k: Int) -> (from: Double, to: Double, at: Double) {
        switch k {
        case 0: return (p0, p1, 0)
        case 1: return (p1, p2, c1)
        default: return (p2, p3, c2)
        }
    }

    /// The price at position `s` (≥ 0) on the path.
    func price(at s: Double) -> Double {
        let k = s <= c1 ? 0 : s <= c2 ? 1 : 2
        let (a, b, at) = leg(k)
        let d = min(s - at, abs(b - a))
        return b >= a ? a + d : a - d
    }

    /// The first position at or after `from` where the price is at or below `x` (`down`), or at
    /// or above it; nil when the rest of the path never gets there.
    func reach(_ x: Double, down: Bool, from: Double) -> Double? {
        @inline(__always) func beyond(_ p: Double) -> Bool { down ? p <= x : p >= x }
        var first = 0
        if from <= 0 {
            if beyond(p0) { return max(from, -abs(x - p0)) }
        } else {
            if from > c3 { return nil }
            if beyond(price(at: from)) { return from }
            first = from <= c1 ? 0 : from <= c2 ? 1 : 2
        }
        for k in first..<3 {
            let (a, b, at) = leg(k)
            if down ? (b <= x && a > x) : (b >= x && a < x) { return max(from, at + abs(a - x)) }
        }
        return nil
    }
}
