import Foundation
import SwiftCSV

/// Reads OHLCV candles from CSV in the common layouts.
///
/// - Fields are tokenised by SwiftCSV: a field may be quoted (`"1,000.5"` stays one field, `""`
///   is a quote inside one) and a row may end in `\n` or `\r\n`.
/// - The first column holds the time: named `time`, `timestamp`, `date` or `open_time` (any case),
///   or left unnamed; a file without a header is read as time, open, high, low, close[, volume].
/// - Times are read by `EpochTime`: ISO-8601 dates or date-times (UTC unless an offset is given),
///   or epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude).
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
    ///
    /// - Throws: `StrategyError` with code `invalidInput` naming `name` and the line of the first
    ///   malformed row (a bad quote, a missing field, a number or time that cannot be read, prices
    ///   out of order or bounds, times not increasing), the missing column, or an empty file.
    public static func parse(_ text: String, name: String = "CSV", symbol: String, timeframe: String) throws(StrategyError) -> CandleWindow {
        var reader = Reader(name: name, window: CandleWindow(symbol: symbol, timeframe: timeframe, times: [], open: [], high: [],
                                                             low: [], close: [], volume: []))
        do {
            // rowLimit 0: the initialiser reads only the first row; rows are enumerated once, below.
            let csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false, rowLimit: 0)
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { fields in reader.take(fields) }
        } catch let e as CSVParseError {
            let detail = switch e { case .generic(let m), .quotation(let m): m }
            throw StrategyError(.invalidInput, "\(name) line \(reader.line): malformed CSV quoting (\(detail))")
        } catch {
            throw StrategyError(.invalidInput, "\(name) line \(reader.line): \(error)")
        }
        if let failure = reader.failure { throw failure }
        guard !reader.window.times.isEmpty else { throw StrategyError(.invalidInput, "\(name) holds no candles") }
        return reader.window
    }

    /// The rows of one file turned into candles, stopping at the first error.
    private struct Reader {
        let name: String
        var window: CandleWindow
        /// The line the next row starts on (a quoted field may span lines).
        var line = 1
        var columns: (o: Int, h: Int, l: Int, c: Int, v: Int?)?
        var failure: StrategyError?

        mutating func take(_ raw: [String]) {
            let start = line
            line += 1 + raw.reduce(0) { $0 + Self.newlines(in: $1) }
            guard failure == nil else { return }
            let fields = raw.map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.count == 1 && fields[0].isEmpty { return }  // a blank line
            do throws(StrategyError) {
                try row(fields, line: start)
            } catch {
                failure = error
            }
        }

        private static func newlines(in field: String) -> Int {
            guard field.utf8.contains(where: { $0 == 10 || $0 == 13 }) else { return 0 }
            return field.reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
        }

        private mutating func row(_ fields: [String], line: Int) throws(StrategyError) {
            if columns == nil {
                if let header = try CandleCSV.headerColumns(fields, name: name, line: line) {
                    columns = header
                    return
                }
                columns = (1, 2, 3, 4, fields.count > 5 ? 5 : nil)
            }
            let cols = columns!
            let name = name
            func fail(_ msg: String) -> StrategyError { StrategyError(.invalidInput, "\(name) line \(line): \(msg)") }
            let needed = max(cols.o, cols.h, cols.l, cols.c, cols.v ?? 0)
            guard fields.count > needed else { throw fail("expected at least \(needed + 1) fields, found \(fields.count)") }
            guard let t = EpochTime.milliseconds(text: fields[0]) else { throw fail("cannot read time '\(fields[0])'") }
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
            if let prev = window.times.last, t <= prev {
                throw fail(t == prev ? "duplicate candle time \(fields[0])" : "candle time \(fields[0]) is earlier than the row before")
            }
            window.times.append(t); window.open.append(o); window.high.append(h); window.low.append(l)
            window.close.append(c); window.volume.append(v)
        }
    }

    /// Column positions from a header row, or nil when the row is data.
    private static func headerColumns(_ fields: [String], name: String, line: Int) throws(StrategyError) -> (Int, Int, Int, Int, Int?)? {
        if EpochTime.milliseconds(text: fields[0]) != nil, fields.count >= 5, fields.dropFirst().prefix(4).allSatisfy({ Double($0) != nil }) {
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

    /// Epoch milliseconds from an ISO-8601 date/date-time or an epoch number (`EpochTime`).
    public static func parseTime(_ s: String) -> Int64? { EpochTime.milliseconds(text: s) }

    /// ISO-8601 UTC text for epoch milliseconds, e.g. `2024-01-02T03:04:05Z`.
    public static func isoString(_ ms: Int64) -> String { EpochTime.isoString(ms) }
}
