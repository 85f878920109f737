import ArgumentParser
import Foundation
import Platform
import PlatformAPI
import StrategyRuntime

/// The scheduler and executor's options, shared by `worker` and `serve`.
struct ExecutorOptions: ParsableArguments {
    @Option(help: "The SQLite database file. (postgres://user:password@host:port/database URLs are recognised and refused: PostgreSQL holds only the execution fence so far, docs/postgresql.md.)")
    var db = ".tradectl/tradectl.sqlite"
    @Option(help: "Redis URL for the lock, registry and settings (redis://host:port); without it they are in-process.") var redis: String?
    @Option(help: "synthetic, store, replay, or a live exchange: binance, binance-usdm, coindcx (closed candles, stored).") var feed = "synthetic"
    @Option(help: "Binance spot REST base (testnet: https://testnet.binance.vision).") var binanceURL = "https://api.binance.com"
    @Option(help: "Binance USDⓈ-M REST base (testnet: https://testnet.binancefuture.com).") var binanceFuturesURL = "https://fapi.binance.com"
    @Option(help: "CoinDCX REST base.") var coindcxURL = "https://api.coindcx.com"
    @Option(help: "CoinDCX public market-data base (candles).") var coindcxPublicURL = "https://public.coindcx.com"
    @Option(help: "Seed of the synthetic feed.") var seed: UInt64 = 1
    @Option(help: "CSV file for --feed replay.") var candles: String?
    @Option(help: "Symbol of the --candles file.") var symbol = "BTCUSDT"
    @Option(help: "Timeframe of the --candles file.") var timeframe = "1m"
    @Option(help: "Virtual milliseconds per wall millisecond.") var speed = 1.0
    @Option(help: "Virtual start time, epoch ms (default: now).") var virtualStart: Int64?
    @Option(help: "Wall time that maps to --virtual-start, epoch ms (default: now).") var wallStart: Int64?
    @Option(help: "Stop once virtual time passes this, epoch ms.") var until: Int64?
    @Option(help: "Start the clock together with other workers: warm up, write FILE.NAME.ready, wait for FILE holding the wall start (epoch ms).")
    var startFile: String?
    @Option(help: "Grace delay after each close, ms of virtual time.") var graceMs: Int64 = 0
    @Option(help: "This worker's name in execution rows.") var name = "worker-\(getpid())"
    @Option(help: "Executions and strategy loads in flight at once (one at a time per author's sandbox worker, and one for all in-process strategies).")
    var slots = 8
    @Option(help: "Share of a candle period (wall time) each author may spend per close, split over the author's strategies; past it a strategy is throttled.")
    var tenantShare = 0.5
    @Option(help: "Pause a strategy after this many closes in a row over its budget (0: never, only throttle).") var pauseAfter = 10
    @Option(help: "Pause a strategy whose code failed to load this many times in a row (0: never).") var pauseAfterLoadFailures = 5
    @Option(help: "A strategy that failed to load is retried after this many ms, doubling each time.") var loadRetryMs = 1_000
    @Option(help: "The longest wait between two load attempts, ms.") var loadRetryCapMs = 300_000
    @Option(help: "Serve /metrics (no token) on this address, host:port, e.g. 127.0.0.1:9101; keep it private.") var metricsAddress: String?
    @Flag(help: "Never send live orders: subscriptions with a live exchange's credential get their orders recorded as pending (sent by a later start without this flag).")
    var noLiveOrders = false

    /// Where the live connectors send their requests (`--binance-url` and the others).
    var endpoints: ExchangeEndpoints {
        ExchangeEndpoints(binanceSpot: binanceURL, binanceUSDM: binanceFuturesURL, coindcx: coindcxURL, coindcxPublic: coindcxPublicURL)
    }

    /// `--metrics-address` as (host, port).
    func metricsEndpoint() throws -> (host: String, port: Int)? {
        guard let address = metricsAddress else { return nil }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port),
              colon > address.startIndex else {
            throw ValidationError("--metrics-address must be host:port, e.g. 127.0.0.1:9101")
        }
        return (String(address[..<colon]), port)
    }

    /// What a running executor is made of.
    struct Parts {
        let database: PlatformDatabase
        let registry: any StrategyRegistry
        let coordinator: Coordinator
        let worker: Worker
        /// The feed and its clock (the dashboard's charts read them too).
        let source: any CandleSource
        let clock: VirtualClock
    }

    func validate() throws { try DatabaseOptions.requireSQLite(db, for: "worker and serve") }

    /// These options with `--wall-start` set by the `--start-file` handshake, when there is one.
    func started(host: StrategyHost) async throws -> ExecutorOptions {
        guard let file = startFile else { return self }
        var options = self
        options.wallStart = try await StartHandshake.wallStart(file: file, name: name, host: host, db: db)
        return options
    }

    /// The parts of `serve` and `worker`: their database leaves its WAL checkpoints to the
    /// process's service group (`PlatformDatabase.checkpoints`).
    ///
    /// - Parameter secrets: their master key opens the subscriptions' sealed credentials, in
    ///   memory, for live orders (`SealedKeyring`); the connectors go to `endpoints` (production
    ///   by default).
    func makeParts(host: StrategyHost, secrets: APISecrets) throws -> Parts {
        let now = VirtualClock.wallNow()
        let clock = VirtualClock(virtualStart: virtualStart ?? now, wallStart: wallStart ?? now, speed: speed)
        let database = try PlatformDatabase(path: db, checkpointsInBackground: false)
        let client = try redis.map { url throws(PlatformError) in try RedisClient(url: url) }
        let lock: any ExecutionLock = client.map { RedisLock(client: $0) } ?? InProcessLock()
        let registry: any StrategyRegistry = client.map { RedisRegistry(db: database, client: $0) } ?? LocalRegistry(db: database)
        // One factory for the feed and the live orders: they share the per-IP budgets. It lives as
        // long as the process; its HTTP pool is closed at exit.
        let connectors = ExchangeConnectors(endpoints: endpoints)
        let source: any CandleSource
        switch feed {
        case "synthetic": source = SyntheticFeed(seed: seed, clock: clock)
        case "store": source = StoreSource(db: database)
        case "replay":
            guard let path = candles else { throw ValidationError("--feed replay needs --candles CSV") }
            source = ReplayFeed(window: try CandleCSV.read(path: path, symbol: try CandleOptions.symbol(symbol), timeframe: timeframe), clock: clock)
        case "binance", "binance-spot", "binance-usdm", "coindcx":
            let venue = feed == "binance" ? ExchangeVenue.binanceSpot : try ExchangeVenue.parse(feed)
            guard let connector = connectors.connector(venue) else { throw ValidationError("no live connector for \(feed)") }
            source = ExchangeFeed(connector: connector, db: database)
        default: throw ValidationError("unknown feed '\(feed)'; expected synthetic, store, replay, binance, binance-usdm or coindcx")
        }
        guard slots >= 1, tenantShare > 0, pauseAfter >= 0, pauseAfterLoadFailures >= 0, loadRetryMs >= 1, loadRetryCapMs >= loadRetryMs else {
            throw ValidationError("--slots must be ≥ 1, --tenant-share > 0, --pause-after and --pause-after-load-failures ≥ 0, "
                                  + "1 ≤ --load-retry-ms ≤ --load-retry-cap-ms")
        }
        _ = ProcessMetrics.registry  // bootstraps swift-metrics before anything records
        var settings = Worker.Settings()
        settings.slots = slots
        settings.tenantShare = tenantShare
        settings.pauseAfter = pauseAfter == 0 ? nil : pauseAfter
        settings.pauseAfterLoadFailures = pauseAfterLoadFailures == 0 ? nil : pauseAfterLoadFailures
        settings.loadRetry = .milliseconds(loadRetryMs)
        settings.loadRetryCap = .milliseconds(loadRetryCapMs)
        settings.grace = graceMs
        settings.until = until
        settings.name = name
        let settingsCache: any SettingsCache = client.map { RedisSettings(db: database, client: $0) } ?? LocalSettings(db: database)
        let live = LiveDispatch(router: noLiveOrders ? nil : LiveOrderRouter(connectors: connectors, keyring: SealedKeyring(db: database, masterKey: secrets.masterKey)))
        let coordinator = try Coordinator(db: database, host: host, lock: lock, settings: settingsCache, worker: name, projection: .deferred,
                                          live: live)
        let worker = Worker(coordinator: coordinator, registry: registry, source: source, clock: clock, settings: settings)
        return Parts(database: database, registry: registry, coordinator: coordinator, worker: worker, source: source, clock: clock)
    }
}
