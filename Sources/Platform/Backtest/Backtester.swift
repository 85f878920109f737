import Foundation
import StrategyRuntime

/// A backtest's settings: one subscriber (whose terms are also the reference account's, so it
/// mirrors order intents one to one) and the paper exchange's costs.
public struct BacktestSettings: Sendable {
    public var terms: SubscriptionTerms
    /// Fees in basis points of the notional: maker on limit fills, taker on market and stop fills.
    public var makerFeeBps: Double
    public var takerFeeBps: Double
    public var slippageBps: Double
    public var lookback: Int
    public var isolation: IsolationLevel
    public var params: String
    /// The symbol's tick, lot step and minimums (its fees are the ones above); nil: no rounding.
    public var rules: SymbolRules?
    /// How much a vectorised backtest (prepare / signals) re-evaluates on truncated history.
    public var lookAheadCheck: LookAheadCheck = .sample
    /// Sandbox workers that evaluate a per-candle `main(data)`'s windows at once (`--jobs`); 1
    /// runs the per-candle engine through the coordinator. A strategy whose calls may depend on
    /// each other runs sequentially whatever this says (`BacktestResult.sequentialReason`).
    public var jobs = 1
    /// Runs a per-candle backtest through the live coordinator (lock, journal and commit per
    /// candle, on an in-memory database) instead of walking the account in memory; same result,
    /// slower. Kept to check the two against each other.
    public var throughCoordinator = false

    /// - Parameter feeBps: one fee for every fill, when the maker and taker fees are not given apart.
    public init(terms: SubscriptionTerms, feeBps: Double = 0, makerFeeBps: Double? = nil, takerFeeBps: Double? = nil,
                slippageBps: Double = 0, lookback: Int = 200, isolation: IsolationLevel = .shared, params: String = "{}") {
        self.terms = terms
        self.makerFeeBps = makerFeeBps ?? feeBps
        self.takerFeeBps = takerFeeBps ?? feeBps
        self.slippageBps = slippageBps
        self.lookback = lookback
        self.isolation = isolation
        self.params = params
    }

    /// The symbol's rules with the settings' fees (no rounding when `rules` is nil).
    func symbolRules() -> SymbolRules {
        let fee = (maker: makerFeeBps / 10_000, taker: takerFeeBps / 10_000)
        var rules = self.rules ?? SymbolRules()
        (rules.spotMakerFee, rules.spotTakerFee, rules.futuresMakerFee, rules.futuresTakerFee) = (fee.maker, fee.taker, fee.maker, fee.taker)
        return rules
    }

    /// - Throws: `PlatformError.invalidInput` naming the field: fees and slippage 0–1000 bps.
    func validate() throws(PlatformError) {
        for (field, v) in [("makerFeeBps", makerFeeBps), ("takerFeeBps", takerFeeBps), ("slippageBps", slippageBps)]
        where !(v.isFinite && v >= 0 && v <= 1_000) {
            throw PlatformError(.invalidInput, "\(field) must be from 0 to 1000, got \(v)", field: field)
        }
        guard (1...64).contains(jobs) else { throw PlatformError(.invalidInput, "jobs must be from 1 to 64, got \(jobs)", field: "jobs") }
    }
}

public struct BacktestResult: Sendable {
    public var trades: [Trade]
    public var open: Position?
    public var lastClose: Double
    public var stats: TradeStats
    /// Every order placed, with its final state, and every fill (liquidations among them).
    public var orders: [OrderEntry]
    public var fills: [FillEntry]
    /// The subscriber's account at the end, and the strategy's `ctx.state` (a bot's statistics).
    public var account: AccountEntry?
    public var state: String?
    /// The account's equity at each walked candle's close: the reference account's on the
    /// per-candle engine (the subscriber mirrors it at ratio 1), the walked account's on the
    /// vectorised ones.
    public var equity: [Double] = []
    public var candles: Int
    public var failedCalls: Int
    public var wallSeconds: Double
    /// Time inside the strategy's own Python calls.
    public var strategySeconds: Double
    /// Seconds per coordinator phase, summed over the run: lock, data, strategy (the whole
    /// runtime call), fan-out, commit, and project (expanding the fan-out journal into the tables).
    public var phaseSeconds: [String: Double] = [:]
    /// Which engine ran: per candle through the coordinator, or vectorised.
    public var engine: BacktestEngine = .perCandle
    /// What the look-ahead check did (vectorised engines).
    public var lookAhead: LookAheadReport?
    /// Sharpe, Sortino, Calmar, exposure… over the walked candles, with backtesting.py's definitions.
    public var metrics: BacktestMetrics?
    /// How many sandbox workers evaluated the windows (1: sequential).
    public var jobs = 1
    /// Why a backtest asked to run in parallel (`jobs` > 1) ran sequentially; nil otherwise.
    public var sequentialReason: String?
    public var candlesPerSecond: Double { wallSeconds > 0 ? Double(candles) / wallSeconds : 0 }
    public var strategyShare: Double { wallSeconds > 0 ? strategySeconds / wallSeconds : 0 }
}

/// Replays a candle file through the same coordinator and paper exchange as live execution, with
/// one subscriber, on a private in-memory database.
public enum Backtester {
    public static func run(source: StrategySource, candles: CandleWindow, settings: BacktestSettings, host: StrategyHost,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(PlatformError) -> BacktestResult {
        guard let tf = Timeframe(rawValue: candles.timeframe) else {
            throw PlatformError(.invalidInput, "unknown timeframe '\(candles.timeframe)'")
        }
        try settings.validate()
        let db = try PlatformDatabase.inMemory()
        let user = try db.createUser(name: "backtest")
        try db.setRules(symbol: candles.symbol, settings.symbolRules())
        let t = settings.terms
        let spec = StrategyVersionSpec(source: source.code, params: settings.params, symbols: [candles.symbol], timeframe: tf,
                                       lookback: settings.lookback, isolation: settings.isolation,
                                       reference: ReferenceSpec(capital: t.capital, market: t.market, leverage: t.leverage,
                                                                riskPerTrade: t.riskPerTrade))
        let version = try db.createStrategy(ownerID: user, name: source.id, spec: spec)
        let subscription = try db.subscribe(userID: user, strategyID: version.strategyID, terms: t)
        let strategy: Strategy
        do {
            strategy = try await host.load(source, isolation: settings.isolation)
        } catch {
            throw PlatformError(.invalidInput, "the strategy does not load: \(error)")
        }
        var sequentialReason: String?
        if settings.jobs > 1 {
            sequentialReason = Self.sequentialReason(strategy, settings: settings)
            if sequentialReason == nil {
                return try await runParallel(source: source, candles: candles, settings: settings, host: host, progress: progress)
            }
        }
        if strategy.contract.isVectorised, settings.isolation == .shared {
            var result = try await runVectorised(strategy, candles: candles, settings: settings, host: host, progress: progress)
            result.sequentialReason = sequentialReason
            return result
        }
        if !settings.throughCoordinator {
            var result = try await runWalked(strategy, candles: candles, settings: settings, host: host, progress: progress)
            result.sequentialReason = sequentialReason
            return result
        }
        let coordinator = try Coordinator(db: db, host: host, slippageBps: settings.slippageBps, worker: "backtest", projection: .deferred)
        let loaded = LoadedVersion(version: version, strategy: strategy)
        let first = min(settings.lookback, candles.count) - 1
        let clock = ContinuousClock()
        let start = clock.now
        var python: UInt64 = 0
        var failed = 0
        var phases = [Int](repeating: 0, count: 6)
        for end in first..<candles.count {
            let frame: CandleFrame
            do {
                frame = try host.frame(candles.window(endingAt: end, lookback: settings.lookback))
            } catch {
                throw PlatformError(.invalidInput, "\(error)")
            }
            let report = try await coordinator.execute(loaded, frame: frame)
            python += report.pythonNanos
            for (i, v) in [report.lockMicros, report.dataMicros, report.strategyMicros, report.fanoutMicros, report.commitMicros].enumerated() {
                phases[i] += v
            }
            if case .committed(let status) = report.outcome, status != "ok" { failed += 1 }
            if (end - first) % 1_000 == 999 { phases[5] += try project(db) }  // the journal stays small
            progress?(end - first + 1, candles.count - first)
        }
        phases[5] += try project(db)
        let wall = Double((clock.now - start) / .microseconds(1)) / 1e6
        let trades = try db.trades(userID: user, subscriptionID: subscription)
        let open = try db.openPosition(userID: user, subscriptionID: subscription, symbol: candles.symbol)
        let lastClose = candles.close.last ?? 0
        let unrealised = open.map { $0.markToMarket(lastClose) } ?? 0
        let names = ["lock", "data", "strategy", "fanout", "commit", "project"]
        let curve = try db.referenceEquity(strategyID: version.strategyID, symbol: candles.symbol, limit: candles.count)
        var result = BacktestResult(trades: trades, open: open, lastClose: lastClose,
                              stats: TradeStats.compute(trades: trades, unrealised: unrealised, capital: t.capital),
                              orders: try db.allOrders(userID: user, subscriptionID: subscription),
                              fills: try db.allFills(userID: user, subscriptionID: subscription),
                              account: try db.accounts(userID: user, subscriptionID: subscription).first,
                              state: try db.read { d in try String.fetchOne(d, sql: "SELECT state FROM strategy_state LIMIT 1") },
                              equity: curve.map(\.equity),
                              candles: candles.count - first, failedCalls: failed, wallSeconds: wall,
                              strategySeconds: Double(python) / 1e9,
                              phaseSeconds: Dictionary(uniqueKeysWithValues: zip(names, phases.map { Double($0) / 1e6 })))
        result.computeMetrics(candles: candles, first: first)
        result.sequentialReason = sequentialReason
        result.engine = .perCandleCoordinator
        return result
    }

    /// Expands the fan-out journal; returns the microseconds it took.
    private static func project(_ db: PlatformDatabase) throws(PlatformError) -> Int {
        let start = ContinuousClock.now
        try db.projectFanouts()
        return Int((ContinuousClock.now - start) / .microseconds(1))
    }
}
