import Platform
import StrategyRuntime

/// One symbol the simulator lists, with its scripted candles (the price path orders match on).
public struct SimMarket: Sendable {
    public var symbol: String
    public var base: String
    public var quote: String
    /// CoinDCX's `pair` (e.g. `B-BTC_USDT`).
    public var pair: String
    public var spotRules: MarketRules
    public var futuresRules: MarketRules
    public var timeframe: Timeframe
    /// The price path, oldest first, one candle per `timeframe`, aligned to it.
    public var bars: [Bar]

    public init(symbol: String, base: String, quote: String, pair: String? = nil, spotRules: MarketRules, futuresRules: MarketRules,
                timeframe: Timeframe, bars: [Bar]) {
        self.symbol = symbol
        self.base = base
        self.quote = quote
        self.pair = pair ?? "B-\(base)_\(quote)"
        self.spotRules = spotRules
        self.futuresRules = futuresRules
        self.timeframe = timeframe
        self.bars = bars
    }

    /// BTCUSDT with Binance-like rules (tick 0.01, lot 0.00001, min notional 5) and a path of
    /// `closes` ending with the candle forming at `now` (each candle opens at the previous close).
    public static func btc(closes: [Double], timeframe: Timeframe = .m1, now: Int64) -> SimMarket {
        // The rules are constants that MarketRules accepts.
        let spot = try! MarketRules(market: .spot, tickSize: 0.01, lotStep: 0.00001, minQuantity: 0.00001, minNotional: 5)
        let futures = try! MarketRules(market: .futures, tickSize: 0.1, lotStep: 0.001, minQuantity: 0.001, minNotional: 5)
        return SimMarket(symbol: "BTCUSDT", base: "BTC", quote: "USDT", spotRules: spot, futuresRules: futures, timeframe: timeframe,
                         bars: path(closes, timeframe: timeframe, now: now))
    }

    /// Candles through `closes`, the last one forming at `now`.
    public static func path(_ closes: [Double], timeframe: Timeframe, now: Int64) -> [Bar] {
        let d = timeframe.milliseconds
        let last = timeframe.floor(now)
        var bars: [Bar] = []
        var open = closes.first ?? 100
        for (i, c) in closes.enumerated() {
            let t = last - Int64(closes.count - 1 - i) * d
            bars.append(Bar(time: t, open: open, high: max(open, c) * 1.001, low: min(open, c) * 0.999, close: c))
            open = c
        }
        return bars
    }
}

/// An account the simulator knows, the same key on every venue.
public struct SimAccount: Sendable {
    public var apiKey: String
    public var secret: String
    /// Spot balances per asset (Binance spot and CoinDCX).
    public var balances: [String: Double]
    /// USDⓈ-M wallet, in USDT.
    public var futuresWallet: Double
    public var leverage: Double

    public init(apiKey: String, secret: String, balances: [String: Double] = ["USDT": 10_000], futuresWallet: Double = 10_000,
                leverage: Double = 5) {
        self.apiKey = apiKey
        self.secret = secret
        self.balances = balances
        self.futuresWallet = futuresWallet
        self.leverage = leverage
    }
}

/// The limits the simulator enforces and advertises in `exchangeInfo.rateLimits`.
public struct SimLimits: Sendable {
    /// Request weight per IP per minute (Binance spot and futures share it here).
    public var weightPerMinute = 6_000
    /// Orders per account per `orderWindowMs`.
    public var ordersPerWindow = 50
    public var orderWindowMs: Int64 = 10_000
    public var ordersPerDay = 160_000
    /// CoinDCX requests per key per second.
    public var coindcxPerSecond = 16
    /// A request arriving this long after a 429 and before its Retry-After has passed is
    /// answered 418 (an IP ban): the client kept sending after being told to back off.
    /// Requests already in flight when the 429 left (arriving within this) get 429 too.
    public var banGraceMs: Int64 = 200
    /// How long a ban lasts (Retry-After of the 418), seconds.
    public var banSeconds = 120
    /// CoinDCX's timestamp tolerance (ms; undocumented, 10 s assumed).
    public var coindcxToleranceMs: Int64 = 10_000

    public init() {}
}

/// A fault to inject into the next matching request(s).
public enum SimFault: Sendable, Equatable {
    /// Execute the request, then answer only after `delayMs` (the client times out first).
    case delayAfterAccept(ms: Int64)
    /// Execute the request, then answer with this 5xx status.
    case serverErrorAfterAccept(status: Int)
    /// Execute the request, then close the connection without a complete answer.
    case dropAfterAccept
    /// Answer 5xx without executing.
    case serverErrorBeforeAccept(status: Int)
    /// Answer 429 with `Retry-After` without executing.
    case tooManyRequests(retryAfterSeconds: Int)
}

/// Which requests a fault applies to, and how many times.
public struct SimFaultRule: Sendable {
    public var method: String
    /// The request path must end with this (`/order`, `/orders/create`).
    public var pathSuffix: String
    public var fault: SimFault
    public var remaining: Int

    public init(method: String, pathSuffix: String, fault: SimFault, count: Int = 1) {
        self.method = method
        self.pathSuffix = pathSuffix
        self.fault = fault
        remaining = count
    }
}
