import StrategyRuntime

/// How much of a vectorised backtest's history the look-ahead check re-evaluates
/// (`tradectl backtest --lookahead-check`).
public enum LookAheadCheck: String, Sendable, CaseIterable, Codable {
    /// No re-evaluation.
    case off
    /// `sampleCandles` candles spread over the history and the last, and the candles that carry a
    /// signal (at most `signalCandleCap` of them, spread evenly when there are more). Each
    /// re-evaluation compares every row up to its candle, so rows between the picked candles are
    /// checked too, against look-ahead that reaches past the next picked candle.
    case sample
    /// Every candle: prepare and signals run once per candle on the history up to it (quadratic).
    case full

    static let sampleCandles = 24
    static let signalCandleCap = 40

    /// The candles to re-evaluate, ascending.
    ///
    /// - Parameters:
    ///   - range: the candles the backtest walked.
    ///   - signals: the candles that carried a signal.
    func candles(in range: Range<Int>, signals: [Int]) -> [Int] {
        switch self {
        case .off: return []
        case .full: return Array(range)
        case .sample:
            var picked = Set(Self.spread(Array(range), Self.sampleCandles))
            picked.formUnion(Self.spread(signals, Self.signalCandleCap))
            if let last = range.last { picked.insert(last) }
            return picked.sorted()
        }
    }

    /// At most `k` elements of `xs`, evenly spaced, first and last included.
    static func spread(_ xs: [Int], _ k: Int) -> [Int] {
        guard xs.count > k, k > 1 else { return xs }
        return (0..<k).map { xs[$0 * (xs.count - 1) / (k - 1)] }
    }
}

/// What the look-ahead check did.
public struct LookAheadReport: Sendable, Equatable {
    public var mode: LookAheadCheck
    /// How many candles were re-evaluated on truncated history.
    public var candlesChecked: Int
    /// How many of them carried a signal.
    public var signalCandlesChecked: Int
    public var seconds: Double
}

extension LookAheadFinding {
    /// The backtest's error: the column, the candle (index and time) and both values.
    func error(times: [Int64]) -> PlatformError {
        PlatformError(.lookAhead, "the strategy looks ahead: column '\(column)' at candle \(candle) (\(CandleCSV.isoString(times[candle]))) "
                      + "is \(wholeHistory) over the whole history but \(truncated) on the history up to "
                      + (cut == candle ? "that candle; " : "candle \(cut) (\(CandleCSV.isoString(times[cut]))); ")
                      + "an indicator there uses later candles (a centred window, shift(-n), a fit over the whole frame…)",
                      field: column)
    }
}
