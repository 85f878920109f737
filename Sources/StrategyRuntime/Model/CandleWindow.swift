/// Candles of one (symbol, timeframe), oldest first, as contiguous column buffers.
///
/// The last candle is the one that just closed.
public struct CandleWindow: Sendable, Equatable {
    public var symbol: String
    public var timeframe: String
    /// Candle open times, milliseconds since the Unix epoch, UTC, strictly increasing.
    public var times: [Int64]
    public var open: [Double]
    public var high: [Double]
    public var low: [Double]
    public var close: [Double]
    public var volume: [Double]

    public init(symbol: String, timeframe: String, times: [Int64], open: [Double], high: [Double],
                low: [Double], close: [Double], volume: [Double]) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.times = times
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    public var count: Int { times.count }

    /// The candles in `range`, sharing nothing with `self`.
    public func slice(_ range: Range<Int>) -> CandleWindow {
        CandleWindow(symbol: symbol, timeframe: timeframe, times: Array(times[range]), open: Array(open[range]),
                     high: Array(high[range]), low: Array(low[range]), close: Array(close[range]),
                     volume: Array(volume[range]))
    }

    /// The last `n` candles ending at index `end` (inclusive).
    public func window(endingAt end: Int, lookback n: Int) -> CandleWindow {
        slice(max(0, end - n + 1)..<(end + 1))
    }

    /// Checks the invariants the runtime relies on: aligned columns, strictly increasing times,
    /// every price inside `MarketBounds.price` and every volume finite and ≥ 0.
    ///
    /// - Throws: `StrategyError` with code `invalidInput` naming the first problem.
    public func validate() throws(StrategyError) {
        let n = times.count
        guard n > 0 else { throw StrategyError(.invalidInput, "the candle window is empty") }
        for (name, col) in [("open", open), ("high", high), ("low", low), ("close", close), ("volume", volume)]
        where col.count != n {
            throw StrategyError(.invalidInput, "column \(name) has \(col.count) values for \(n) candles")
        }
        for i in 1..<max(1, n) where times[i] <= times[i - 1] {
            throw StrategyError(.invalidInput, "candle times are not strictly increasing at index \(i)")
        }
        for i in 0..<n {
            // One pass of comparisons, no allocation: NaN fails every one of them.
            if MarketBounds.isPrice(open[i]), MarketBounds.isPrice(high[i]), MarketBounds.isPrice(low[i]),
               MarketBounds.isPrice(close[i]), volume[i] >= 0, volume[i] < .infinity { continue }
            for (name, value) in [("open", open[i]), ("high", high[i]), ("low", low[i]), ("close", close[i])] where !MarketBounds.isPrice(value) {
                throw StrategyError(.invalidInput, "candle \(i) (time \(times[i])): \(name) \(value) is outside the prices the platform "
                                    + "takes (\(MarketBounds.price.lowerBound) … \(MarketBounds.price.upperBound))")
            }
            throw StrategyError(.invalidInput, "candle \(i) (time \(times[i])): volume \(volume[i]) is not a finite number ≥ 0")
        }
    }
}
