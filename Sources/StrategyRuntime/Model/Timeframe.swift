/// A candle timeframe, aligned to the UTC epoch (weeks start on Monday, as on exchanges).
public enum Timeframe: String, Sendable, CaseIterable, Codable {
    case m1 = "1m", m3 = "3m", m5 = "5m", m15 = "15m", m30 = "30m"
    case h1 = "1h", h2 = "2h", h4 = "4h", h6 = "6h", h8 = "8h", h12 = "12h"
    case d1 = "1d", w1 = "1w"

    /// The candle length in milliseconds.
    public var milliseconds: Int64 {
        switch self {
        case .m1: 60_000
        case .m3: 180_000
        case .m5: 300_000
        case .m15: 900_000
        case .m30: 1_800_000
        case .h1: 3_600_000
        case .h2: 7_200_000
        case .h4: 14_400_000
        case .h6: 21_600_000
        case .h8: 28_800_000
        case .h12: 43_200_000
        case .d1: 86_400_000
        case .w1: 604_800_000
        }
    }

    /// The open time of the candle containing `ms` (epoch milliseconds, UTC).
    public func floor(_ ms: Int64) -> Int64 {
        // 1970-01-01 was a Thursday; weekly candles open on Mondays, 4 days later.
        let offset: Int64 = self == .w1 ? 4 * 86_400_000 : 0
        let d = milliseconds
        let shifted = ms - offset
        let q = shifted >= 0 ? shifted / d : (shifted - d + 1) / d
        return q * d + offset
    }

    /// Parses "1m" … "1w".
    ///
    /// - Throws: `StrategyError` with code `invalidInput` listing the valid timeframes.
    public static func parse(_ s: String) throws(StrategyError) -> Timeframe {
        guard let tf = Timeframe(rawValue: s) else {
            throw StrategyError(.invalidInput, "unknown timeframe '\(s)'; expected one of "
                                + Timeframe.allCases.map(\.rawValue).joined(separator: " "))
        }
        return tf
    }
}
