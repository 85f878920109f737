import Foundation
import StrategyRuntime

/// A backtest's settings: one subscriber and the broker's costs.
public struct BacktestSettings: Sendable {
    public var terms: SubscriptionTerms
    public var feeBps: Double
    public var slippageBps: Double
    public var lookback: Int
    public var isolation: IsolationLevel
    public var params: String

    public init(terms: SubscriptionTerms, feeBps: Double = 0, slippageBps: Double = 0, lookback: Int = 200,
                isolation: IsolationLevel = .shared, params: String = "{}") {
        self.terms = terms
        self.feeBps = feeBps
        self.slippageBps = slippageBps
        self.lookback = lookback
        self.isolation = isolation
        self.params = params
    }
}

public struct BacktestResult: Sendable {
    public var trades: [Trade]
    public var open: Position?
    public var lastClose: Double
    public var stats: TradeStats
    public var candles: Int
    public var failedCalls: Int
    public var wallSeconds: Double
    /// Time inside the strategy's own Python calls.
    public var strategySeconds: Double
    /// Seconds per coordinator phase, summed over the run: lock, data, strategy (the whole
    /// runtime call), fan-out, commit, and project (expanding the fan-out journal into the tables).
    public var phaseSeconds: [String: Double] = [:]
    public var candlesPerSecond: Double { wallSeconds > 0 ? Double(candles) / wallSeconds : 0 }
    public var strategyShare: Double { wallSeconds > 0 ? strategySeconds / wallSeconds : 0 }
}

/// Replays a candle file through the same coordinator and paper broker as live execution, with
/// one subscriber, on a private in-memory database.
public enum Backtester {
    public static func run(source: StrategySource, candles: CandleWindow, settings: BacktestSettings, host: StrategyHost,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(PlatformError) -> BacktestResult {
        guard let tf = Timeframe(rawValue: candles.timeframe) else {
            throw PlatformError(.invalidInput, "unknown timeframe '\(candles.timeframe)'")
        }
        try PaperBroker.validate(feeBps: settings.feeBps, slippageBps: settings.slippageBps)
        let db = try PlatformDatabase.inMemory()
        let user = try db.createUser(name: "backtest")
        let spec = StrategyVersionSpec(source: source.code, params: settings.params, symbols: [candles.symbol], timeframe: tf,
                                       lookback: settings.lookback, isolation: settings.isolation)
        let version = try db.createStrategy(ownerID: user, name: source.id, spec: spec)
        let subscription = try db.subscribe(userID: user, strategyID: version.strategyID, terms: settings.terms)
        let strategy: Strategy
        do {
            strategy = try await host.load(source, isolation: settings.isolation)
        } catch {
            throw PlatformError(.invalidInput, "the strategy does not load: \(error)")
        }
        let coordinator = Coordinator(db: db, host: host, broker: PaperBroker(feeBps: settings.feeBps, slippageBps: settings.slippageBps),
                                      worker: "backtest", projection: .deferred)
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
        return BacktestResult(trades: trades, open: open, lastClose: lastClose,
                              stats: TradeStats.compute(trades: trades, unrealised: unrealised, capital: settings.terms.capital),
                              candles: candles.count - first, failedCalls: failed, wallSeconds: wall,
                              strategySeconds: Double(python) / 1e9,
                              phaseSeconds: Dictionary(uniqueKeysWithValues: zip(names, phases.map { Double($0) / 1e6 })))
    }

    /// Expands the fan-out journal; returns the microseconds it took.
    private static func project(_ db: PlatformDatabase) throws(PlatformError) -> Int {
        let start = ContinuousClock.now
        try db.projectFanouts()
        return Int((ContinuousClock.now - start) / .microseconds(1))
    }
}
