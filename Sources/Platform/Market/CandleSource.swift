import Foundation
import StrategyRuntime
import Synchronization

/// Where closed candles come from. Exchange feeds implement the same protocol.
public protocol CandleSource: Sendable {
    /// The published candles of (symbol, timeframe) whose open times lie in `from...through`,
    /// oldest first. A candle not yet published is simply absent; callers wait and retry.
    func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) async throws(PlatformError) -> CandleWindow
}

/// The candle store in the platform database.
public struct StoreSource: CandleSource {
    public let db: PlatformDatabase

    public init(db: PlatformDatabase) { self.db = db }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) async throws(PlatformError) -> CandleWindow {
        try db.candles(symbol: symbol, timeframe: timeframe, from: from, through: through)
    }
}

/// A seeded geometric-Brownian-motion feed: the same seed, symbol and origin give the same
/// candles in every process. Candles are published once `clock` has passed their close.
public final class SyntheticFeed: CandleSource {
    let seed: UInt64
    let clock: VirtualClock
    /// Candles of history before the clock's virtual start.
    let history: Int64
    private let cache = Mutex<[String: CandleWindow]>([:])

    public init(seed: UInt64, clock: VirtualClock, history: Int = 2_000) {
        self.seed = seed
        self.clock = clock
        self.history = Int64(history)
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) async throws(PlatformError) -> CandleWindow {
        let d = timeframe.milliseconds
        let first = timeframe.floor(clock.virtualStart) - history * d
        let published = timeframe.floor(clock.now()) - d  // the newest closed candle
        let last = min(through, published)
        guard last >= first else { return CandleWindow(symbol: symbol, timeframe: timeframe.rawValue, times: [], open: [], high: [], low: [], close: [], volume: []) }
        let count = Int((last - first) / d) + 1
        let key = "\(symbol)/\(timeframe.rawValue)"
        let series = cache.withLock { c -> CandleWindow in
            if let s = c[key], s.count >= count { return s }
            var h = seed
            for b in symbol.utf8 { h = h &* 1_099_511_628_211 ^ UInt64(b) }
            let s = SyntheticCandles(symbol: symbol, timeframe: timeframe, start: first, seed: h).generate(count + 256)
            c[key] = s
            return s
        }
        let lo = Int(max(0, (from - first + d - 1) / d))
        let hi = count - 1
        guard lo <= hi else { return series.slice(0..<0) }
        return series.slice(lo..<(hi + 1))
    }
}

/// A CSV file played against an accelerated clock: each candle appears once the clock has
/// passed its close.
public struct ReplayFeed: CandleSource {
    let window: CandleWindow
    let clock: VirtualClock

    public init(window: CandleWindow, clock: VirtualClock) {
        self.window = window
        self.clock = clock
    }

    public func candles(symbol: String, timeframe: Timeframe, from: Int64, through: Int64) async throws(PlatformError) -> CandleWindow {
        guard symbol == window.symbol, timeframe.rawValue == window.timeframe else {
            return window.slice(0..<0)
        }
        let closedBy = clock.now()
        let lo = window.times.firstIndex { $0 >= from } ?? window.count
        var hi = lo
        while hi < window.count, window.times[hi] <= through, window.times[hi] + timeframe.milliseconds <= closedBy { hi += 1 }
        return window.slice(lo..<hi)
    }
}
