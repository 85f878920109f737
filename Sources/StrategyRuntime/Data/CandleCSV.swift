import Foundation

/// Reads OHLCV candles from CSV in the common layouts.
///
/// - The first column holds the time: named `time`, `timestamp`, `date` or `open_time` (any case),
///   or left unnamed; a file without a header is read as time, open, high, low, close[, volume].
/// - Times are ISO-8601 dates or date-times (UTC unless an offset is given), or epoch seconds,
///   milliseconds, microseconds or nanoseconds (told apart by magnitude).
/// - `volume` may be missing (then 0). Other columns are ignored. Gaps are allowed.
public enum CandleCSV {
    static let timeNames: Set<String> = ["", "time", "timestamp", "date", "open_time", "datetime"]

    /// Parses a CSV file.
    ///
    /// - Throws: `StrategyError` with code `invalidInput` naming the file and line of the first
    ///   malformed row, or the missing column.
    public static func read(path: String, symbol: String, timeframe: String) throws(StrategyError) -> CandleWindow {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StrategyError(.invalidInput, "cannot read candle file \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), name: path, symbol: symbol, timeframe: timeframe)
    }

    /// Parses CSV text; `name` is used in error messages.
    public static func parse(_ text: String, name: String = "CSV", symbol: String, timeframe: String) throws(StrategyError) -> CandleWindow {
        var w = CandleWindow(symbol: symbol, timeframe: timeframe, times: [], open: [], high: [], low: [], close: [], volume: [])
        var columns: (o: Int, h: Int, l: Int, c: Int, v: Int?)?
        var lineNo = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            if columns == nil {
                if let header = try headerColumns(fields, name: name, line: lineNo) {
                    columns = header
                    continue
                }
                columns = (1, 2, 3, 4, fields.count > 5 ? 5 : nil)
            }
            let cols = columns!
            func fail(_ msg: String) -> StrategyError { StrategyError(.invalidInput, "\(name) line \(lineNo): \(msg)") }
            let needed = max(cols.o, cols.h, cols.l, cols.c, cols.v ?? 0)
            guard fields.count > needed else { throw fail("expected at least \(needed + 1) fields, found \(fields.count)") }
            guard let t = parseTime(fields[0]) else { throw fail("cannot read time '\(fields[0])'") }
            func number(_ i: Int, _ col: String) throws(StrategyError) -> Double {
                guard let v = Double(fields[i]), v.isFinite else { throw fail("\(col) '\(fields[i])' is not a finite number") }
                guard v >= 0 else { throw fail("\(col) \(v) is negative") }
                return v
            }
            let o = try number(cols.o, "open"), h = try number(cols.h, "high"), l = try number(cols.l, "low")
            let c = try number(cols.c, "close")
            let v = try cols.v.map { (i) throws(StrategyError) -> Double in try number(i, "volume") } ?? 0
            guard o > 0, h > 0, l > 0, c > 0 else { throw fail("prices must be > 0") }
            for (col, p) in [("open", o), ("high", h), ("low", l), ("close", c)] where !MarketBounds.isPrice(p) {
                throw fail("\(col) \(p) is outside \(MarketBounds.price.lowerBound) … \(MarketBounds.price.upperBound)")
            }
            guard h >= max(o, c, l), l <= min(o, c) else { throw fail("high \(h) / low \(l) do not bound open \(o) and close \(c)") }
            if let prev = w.times.last, t <= prev {
                throw fail(t == prev ? "duplicate candle time \(fields[0])" : "candle time \(fields[0]) is earlier than the row before")
            }
            w.times.append(t); w.open.append(o); w.high.append(h); w.low.append(l); w.close.append(c); w.volume.append(v)
        }
        guard !w.times.isEmpty else { throw StrategyError(.invalidInput, "\(name) holds no candles") }
        return w
    }

    /// Column positions from a header row, or nil when the row is data.
    private static func headerColumns(_ fields: [String], name: String, line: Int) throws(StrategyError) -> (Int, Int, Int, Int, Int?)? {
        if parseTime(fields[0]) != nil, fields.count >= 5, fields.dropFirst().prefix(4).allSatisfy({ Double($0) != nil }) {
            return nil
        }
        let lower = fields.map { $0.lowercased() }
        guard timeNames.contains(lower[0]) else {
            throw StrategyError(.invalidInput, "\(name) line \(line): the first column must be time, timestamp, date or open_time, found '\(fields[0])'")
        }
        func index(_ col: String) throws(StrategyError) -> Int {
            guard let i = lower.firstIndex(of: col) else {
                throw StrategyError(.invalidInput, "\(name) line \(line): no '\(col)' column in the header")
            }
            return i
        }
        return (try index("open"), try index("high"), try index("low"), try index("close"), lower.firstIndex(of: "volume"))
    }

    /// Epoch milliseconds from an ISO-8601 date/date-time or an epoch number.
    public static func parseTime(_ s: String) -> Int64? {
        if !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let n = Double(s) {
            guard n.isFinite else { return nil }
            switch n {
            case ..<1e11: return Int64((n * 1000).rounded())       // seconds
            case ..<1e14: return Int64(n.rounded())                 // milliseconds
            case ..<1e17: return Int64((n / 1000).rounded())        // microseconds
            default: return Int64((n / 1_000_000).rounded())        // nanoseconds
            }
        }
        return parseISO(Array(s.utf8))
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
                        if seen < 3 { scale /= 10; frac += Int(b[i] - 48) * scale * 1 }
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

    /// ISO-8601 UTC text for epoch milliseconds, e.g. `2024-01-02T03:04:05Z`.
    public static func isoString(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = ms % 1000 == 0 ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
