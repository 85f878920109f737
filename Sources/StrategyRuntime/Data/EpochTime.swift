import Foundation

/// The one time parser of the platform: candle files, webhook alerts and exchange payloads all
/// read their times through it, as epoch milliseconds (UTC).
///
/// It takes ISO-8601 dates and date-times (`T` or a space between them, seconds and a fraction
/// optional, UTC unless a `Z` or an offset is given) and epoch numbers in seconds, milliseconds,
/// microseconds or nanoseconds, told apart by magnitude.
public enum EpochTime {
    /// Epoch milliseconds from an epoch number in seconds (below 1e11), milliseconds (below 1e14),
    /// microseconds (below 1e17) or nanoseconds.
    ///
    /// - Returns: nil for a negative or non-finite number.
    public static func milliseconds(epoch n: Double) -> Int64? {
        guard n.isFinite, n >= 0 else { return nil }
        switch n {
        case ..<1e11: return Int64((n * 1000).rounded())       // seconds
        case ..<1e14: return Int64(n.rounded())                 // milliseconds
        case ..<1e17: return Int64((n / 1000).rounded())        // microseconds
        default: return Int64((n / 1_000_000).rounded())        // nanoseconds
        }
    }

    /// Epoch milliseconds from text: an unsigned epoch number (see `milliseconds(epoch:)`) or an
    /// ISO-8601 date or date-time.
    ///
    /// - Returns: nil when the text is neither.
    public static func milliseconds(text s: some StringProtocol) -> Int64? {
        if !s.isEmpty, s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }) {
            return Double(String(s)).flatMap { milliseconds(epoch: $0) }
        }
        return parseISO(Array(s.utf8))
    }

    /// ISO-8601 UTC text for epoch milliseconds, e.g. `2024-01-02T03:04:05Z` (with `.SSS` when the
    /// milliseconds are not zero).
    public static func isoString(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = ms % 1000 == 0 ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    private static func parseISO(_ b: [UInt8]) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func eat(_ c: UInt8) -> Bool { if i < b.count && b[i] == c { i += 1; return true }; return false }
        guard let y = digits(4), eat(45), let mo = digits(2), eat(45), let d = digits(2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, sec = 0, ms = 0, offset = 0
        if i < b.count && (b[i] == 84 || b[i] == 32) {
            i += 1
            guard let hh = digits(2), eat(58), let mm = digits(2), hh < 24, mm < 60 else { return nil }
            h = hh; mi = mm
            if eat(58) {
                guard let ss = digits(2), ss < 61 else { return nil }
                sec = ss
                if eat(46) || eat(44) {
                    var frac = 0, scale = 1000, seen = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if seen < 3 { scale /= 10; frac += Int(b[i] - 48) * scale }
                        seen += 1; i += 1
                    }
                    guard seen > 0 else { return nil }
                    ms = frac
                }
            }
            if eat(90) {
            } else if i < b.count && (b[i] == 43 || b[i] == 45) {
                let sign = b[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = eat(58)
                let om = digits(2) ?? 0
                offset = sign * (oh * 60 + om)
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        let seconds = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + sec) - Int64(offset * 60)
        return seconds * 1000 + Int64(ms)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
