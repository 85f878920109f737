import Foundation

/// A seeded geometric Brownian motion candle series, for demos, tests and benchmarks.
public struct SyntheticCandles: Sendable {
    public var symbol: String
    public var timeframe: Timeframe
    public var start: Int64
    public var price: Double
    public var drift: Double
    public var volatility: Double
    public var seed: UInt64

    public init(symbol: String = "BTCUSDT", timeframe: Timeframe = .m1, start: Int64 = 1_700_000_040_000,
                price: Double = 30_000, drift: Double = 0, volatility: Double = 0.002, seed: UInt64 = 42) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.start = timeframe.floor(start)
        self.price = price
        self.drift = drift
        self.volatility = volatility
        self.seed = seed
    }

    /// `count` consecutive candles.
    public func generate(_ count: Int) -> CandleWindow {
        var rng = SplitMix64(seed: seed)
        var w = CandleWindow(symbol: symbol, timeframe: timeframe.rawValue, times: [], open: [], high: [], low: [],
                             close: [], volume: [])
        w.times.reserveCapacity(count)
        var last = price
        for i in 0..<count {
            let open = last
            var high = open, low = open, p = open
            for _ in 0..<4 {  // four sub-steps give a plausible high/low range
                p *= exp(drift / 4 - volatility * volatility / 8 + volatility / 2 * rng.gaussian())
                high = max(high, p)
                low = min(low, p)
            }
            w.times.append(start + Int64(i) * timeframe.milliseconds)
            w.open.append(open); w.high.append(high); w.low.append(low); w.close.append(p)
            w.volume.append(10 + 90 * rng.unit())
            last = p
        }
        return w
    }
}

/// A small, fast, seedable generator (SplitMix64) so series are identical on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal, by Box–Muller.
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), .leastNonzeroMagnitude), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
