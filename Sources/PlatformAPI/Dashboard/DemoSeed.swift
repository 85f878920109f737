import Foundation
import HummingbirdBcrypt
import Logging
import Platform
import StrategyRuntime

/// A first run that shows something: on an empty database, a demo account with the example
/// strategies (python/strategies), subscriptions to them, and their last few hours of candles on
/// the feed already run, so the dashboard has signals, orders and P&L at once.
public struct DemoSeed: Sendable {
    public static let email = "demo@example.com"
    public static let password = "demo-password"

    /// One example strategy and how the demo runs it.
    struct Example: Sendable {
        var file: String
        var name: String
        var description: String
        var symbol: String
        var lookback: Int
        var params: String
        var capital: Double
        var risk: Double
    }

    static let examples = [
        Example(file: "sma_crossover.py", name: "SMA crossover",
                description: "The seed's example: buys when the 20-candle SMA crosses above the 50-candle SMA, sells on the opposite cross, with a 2 % stop and a 4 % target.",
                symbol: "BTCUSDT", lookback: 60, params: "{}", capital: 10_000, risk: 0.01),
        Example(file: "rsi_reversion.py", name: "RSI reversion",
                description: "TA-Lib RSI mean reversion: buys oversold, sells overbought, with ATR stops and targets.",
                symbol: "ETHUSDT", lookback: 100, params: #"{"period": 14, "oversold": 35, "overbought": 65}"#, capital: 5_000, risk: 0.02),
        Example(file: "momentum.py", name: "Momentum",
                description: "Pure-Python momentum: long above its level ten candles ago, short below, with a 3 % stop; remembers its last action in ctx.state.",
                symbol: "SOLUSDT", lookback: 30, params: #"{"lookback": 10, "threshold": 0.004}"#, capital: 2_500, risk: 0.05),
    ]

    let api: PlatformAPI
    let host: StrategyHost
    let coordinator: Coordinator
    let candles: any CandleSource
    let clock: VirtualClock
    let logger: Logger

    public init(api: PlatformAPI, host: StrategyHost, coordinator: Coordinator, candles: any CandleSource, clock: VirtualClock, logger: Logger) {
        self.api = api
        self.host = host
        self.coordinator = coordinator
        self.candles = candles
        self.clock = clock
        self.logger = logger
    }

    /// Seeds the demo when the database has no user; does nothing otherwise.
    ///
    /// - Parameters:
    ///   - strategies: the directory of the example strategies (python/strategies).
    ///   - backfill: closed candles each strategy is run over at once.
    /// - Returns: whether it seeded.
    @discardableResult
    public func seedIfEmpty(strategies: String, backfill: Int = 180) async throws -> Bool {
        let db = api.db
        guard try db.hasNoUsers() else { return false }
        let hash = await PlatformAPI.offloaded { [cost = api.options.bcryptCost] in Bcrypt.hash(Self.password, cost: cost) }
        let user = try db.registerUser(email: Self.email, name: "demo", passwordHash: hash)
        for example in Self.examples {
            let path = strategies + "/" + example.file
            guard let code = try? String(contentsOfFile: path, encoding: .utf8) else {
                logger.warning("demo: \(path) is missing; skipped")
                continue
            }
            do {
                try await api.validator.validate(code, author: user.id)
            } catch {
                logger.warning("demo: \(example.file) does not load here (\(error.message)); skipped")
                continue
            }
            let spec = StrategyVersionSpec(source: code, params: example.params, symbols: [example.symbol], timeframe: .m1,
                                           lookback: example.lookback, isolation: .process)
            let strategy = try db.createStrategy(ownerID: user.id, NewStrategy(name: example.name, description: example.description, spec: spec))
            _ = try db.subscribe(userID: user.id, strategyID: strategy.id,
                                 terms: try SubscriptionTerms(capital: example.capital, riskPerTrade: example.risk, leverage: 2))
            try await backfillRun(strategy.version, author: user.id, candles: backfill)
        }
        try db.projectFanouts()
        api.listings.invalidate()
        await api.registry?.invalidate()
        logger.info("demo: seeded \(Self.email) (password \(Self.password)) with the example strategies; --no-demo-seed turns this off")
        return true
    }

    /// Runs a version over the newest closed candles through the live coordinator, as the
    /// scheduler would have (each candle once: the execution key is the fence).
    func backfillRun(_ version: StoredVersion, author: Int64, candles count: Int) async throws {
        let spec = version.spec
        guard let symbol = spec.symbols.first else { return }
        let d = spec.timeframe.milliseconds
        let through = spec.timeframe.floor(clock.now()) - d
        let window = try await candles.candles(symbol: symbol, timeframe: spec.timeframe, from: through - Int64(count + spec.lookback) * d,
                                               through: through)
        guard window.count > spec.lookback else { return }
        var source = StrategySource(id: "demo-\(version.id)", version: version.version, code: spec.source, origin: "<demo>")
        source.author = "user:\(author)"
        let strategy = try await host.load(source, isolation: .process)
        let loaded = LoadedVersion(version: version, strategy: strategy)
        for end in (spec.lookback - 1)..<window.count {
            _ = try await coordinator.execute(loaded, frame: try host.frame(window.window(endingAt: end, lookback: spec.lookback)))
        }
        await host.unload(strategy)
    }
}
