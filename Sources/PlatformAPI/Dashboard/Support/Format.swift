import Foundation

/// How numbers and times read on the pages (live.js formats the rows it adds the same way).
enum Format {
    /// A price: 2 decimals from 1 up, 4 significant digits below.
    static func price(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        if abs(x) >= 1 { return grouped(x, decimals: 2) }
        return String(format: "%.4g", x)
    }

    /// An axis label: whole numbers from 1,000 up, else as a price.
    static func axis(_ x: Double) -> String { abs(x) >= 1_000 ? grouped(x, decimals: 0) : price(x) }

    /// An amount of money with thousands separators and 2 decimals.
    static func money(_ x: Double) -> String { x.isFinite ? grouped(x, decimals: 2) : "–" }

    /// A signed amount: "+12.30" or "−4.00".
    static func signedMoney(_ x: Double) -> String { (x > 0 ? "+" : x < 0 ? "−" : "") + money(abs(x)) }

    /// A percentage with its sign: "+1.23 %".
    static func signedPct(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        return (x > 0 ? "+" : x < 0 ? "−" : "") + String(format: "%.2f", abs(x)) + " %"
    }

    static func pct(_ x: Double, decimals: Int = 2) -> String { x.isFinite ? String(format: "%.\(decimals)f", x) + " %" : "–" }

    /// A quantity: up to 6 decimals, trailing zeros dropped.
    static func qty(_ x: Double) -> String {
        var s = String(format: "%.6f", x)
        while s.contains("."), s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// Epoch milliseconds as "2026-12-02 10:31" (UTC).
    static func time(_ ms: Int64) -> String {
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min))
    }

    /// The CSS class of a signed figure.
    static func tone(_ x: Double) -> String { x > 0 ? "pos" : x < 0 ? "neg" : "" }

    static func grouped(_ x: Double, decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", abs(x))
        let parts = s.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var out = ""
        while whole.count > 3 {
            out = "," + whole.suffix(3) + out
            whole.removeLast(3)
        }
        out = whole + out
        if parts.count > 1 { out += "." + parts[1] }
        return (x < 0 ? "−" : "") + out
    }

    /// Escapes text for HTML and SVG built outside the templates.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
