/// How a run's candles reach a `process`-level worker.
enum WindowPayload: Equatable {
    /// The worker holds the frame already.
    case held
    /// The whole window.
    case full(CandleWindow)
    /// The window of held frame `base` moved on by `tail.count` candles: its first `tail.count`
    /// candles dropped and `tail` appended. A lookback window after the next candle closes is
    /// sent as that one candle instead of the whole window.
    case slid(base: UInt64, tail: CandleWindow)

    /// The payload for `window`, sliding the newest of `held` that `window` continues. `held` is
    /// the list the worker keeps, newest last.
    static func sliding(to window: CandleWindow, from held: FrameCache<CandleWindow>, maxShift: Int = 16) -> WindowPayload {
        for id in held.ids.reversed() {
            guard let base = held[id], let shift = window.shift(from: base, max: maxShift) else { continue }
            return .slid(base: id, tail: window.suffix(shift))
        }
        return .full(window)
    }
}

extension CandleWindow {
    /// How many candles this window is ahead of `base`: the same symbol, timeframe and length,
    /// and the candles they share identical, bit for bit. Nil when it is not such a continuation
    /// (a revised candle, a gap, another length), or is more than `max` ahead.
    func shift(from base: CandleWindow, max: Int) -> Int? {
        let n = count
        guard n > 1, base.count == n, symbol == base.symbol, timeframe == base.timeframe,
              let first = times.first, let k = base.times.firstIndex(of: first), k >= 1, k <= max, k < n else { return nil }
        let kept = n - k
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            a[k...].elementsEqual(b[..<kept]) { $0.bitPattern == $1.bitPattern }
        }
        guard base.times[k...].elementsEqual(times[..<kept]), same(base.open, open), same(base.high, high),
              same(base.low, low), same(base.close, close), same(base.volume, volume) else { return nil }
        return k
    }

    /// The last `k` candles, as a window of the same symbol and timeframe.
    func suffix(_ k: Int) -> CandleWindow {
        CandleWindow(symbol: symbol, timeframe: timeframe, times: Array(times.suffix(k)), open: Array(open.suffix(k)),
                     high: Array(high.suffix(k)), low: Array(low.suffix(k)), close: Array(close.suffix(k)),
                     volume: Array(volume.suffix(k)))
    }

    /// This window moved on by `tail`: its first `tail.count` candles dropped, `tail` appended.
    /// Nil when `tail` is empty or not shorter than this window (the worker then asks for the whole window).
    func sliding(by tail: CandleWindow) -> CandleWindow? {
        let k = tail.count
        guard k >= 1, k < count, tail.symbol == symbol, tail.timeframe == timeframe else { return nil }
        return CandleWindow(symbol: symbol, timeframe: timeframe, times: Array(times[k...]) + tail.times,
                            open: Array(open[k...]) + tail.open, high: Array(high[k...]) + tail.high,
                            low: Array(low[k...]) + tail.low, close: Array(close[k...]) + tail.close,
                            volume: Array(volume[k...]) + tail.volume)
    }
}

extension Wire.Writer {
    mutating func window(_ w: CandleWindow) {
        string(w.symbol)
        string(w.timeframe)
        int64s(w.times)
        for column in [w.open, w.high, w.low, w.close, w.volume] { doubles(column) }
    }

    mutating func context(_ c: StrategyCallContext) {
        string(c.paramsJSON)
        string(c.stateJSON)
        optionalString(c.accountJSON)
        optionalString(c.rulesJSON)
    }
}

extension Wire.Reader {
    mutating func window() throws(Wire.Malformed) -> CandleWindow {
        let symbol = try string(max: 64), timeframe = try string(max: 8)
        let times = try int64s()
        var columns: [[Double]] = []
        for _ in 0..<5 { columns.append(try doubles()) }
        return CandleWindow(symbol: symbol, timeframe: timeframe, times: times, open: columns[0], high: columns[1],
                            low: columns[2], close: columns[3], volume: columns[4])
    }

    mutating func context() throws(Wire.Malformed) -> StrategyCallContext {
        StrategyCallContext(paramsJSON: try string(), stateJSON: try string(), accountJSON: try optionalString(), rulesJSON: try optionalString())
    }
}
