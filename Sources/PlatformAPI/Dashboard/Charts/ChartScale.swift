import Foundation

/// Maps data to SVG coordinates: a linear scale from a domain onto a pixel range.
struct LinearScale: Sendable {
    var domain: (lo: Double, hi: Double)
    var range: (lo: Double, hi: Double)

    init(_ lo: Double, _ hi: Double, to a: Double, _ b: Double) {
        domain = lo < hi ? (lo, hi) : (lo - 1, hi + 1)
        range = (a, b)
    }

    func callAsFunction(_ x: Double) -> Double {
        range.lo + (x - domain.lo) / (domain.hi - domain.lo) * (range.hi - range.lo)
    }

    /// About `count` round values inside the domain, for grid lines and labels.
    func ticks(_ count: Int) -> [Double] {
        let span = domain.hi - domain.lo
        guard span > 0, count > 0 else { return [] }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [Double] = []
        var v = ceil(domain.lo / step) * step
        while v <= domain.hi + step * 1e-9, out.count < 20 {
            out.append(v)
            v += step
        }
        return out
    }
}

/// SVG number text: at most one decimal, no exponent.
func svg(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let r = (x * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
}
