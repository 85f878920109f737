import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Platform
import PlatformAPI
import ServiceLifecycle
import StrategyRuntime

/// `tradectl serve`: the platform's main job. The HTTP API, the scheduler and the executor in
/// one process, on the embedded default (a SQLite file and the in-process lock); `--redis` shares
/// the lock, registry and settings with `tradectl worker` processes for scale-out.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API and run the scheduler and executor (the main job).",
        discussion: """
        Keys: TRADECTL_JWT_SECRET and TRADECTL_MASTER_KEY (base64, 32 bytes), or the files named by \
        TRADECTL_JWT_SECRET_FILE and TRADECTL_MASTER_KEY_FILE; without them key files are created \
        once (mode 0600) in --keys (default: beside the database). /metrics: on the API's address \
        with the operator token (--metrics-token, TRADECTL_METRICS_TOKEN or the file named by \
        TRADECTL_METRICS_TOKEN_FILE), or without a token on --metrics-address.
        """)

    @OptionGroup var executor: ExecutorOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Directory of the key files (default: the database's directory).") var keys: String?
    @Option(help: "Requests per minute per client on /auth endpoints.") var authRateLimit = 30
    @Option(help: "bcrypt cost for password hashes.") var bcryptCost: UInt8 = 10
    @Option(help: "How long a page of the public strategy listing is served from memory, ms (0: never).") var listingCacheMs = 1000
    @Flag(help: "Serve the API only, without the scheduler and executor.") var noExecutor = false
    @Option(help: "Operator bearer token for /metrics on the API's address (prefer TRADECTL_METRICS_TOKEN).") var metricsToken: String?
    @Option(help: "/metrics requests per minute per client address.") var metricsRateLimit = 60
    @Option(help: "Live strategies per user.") var maxStrategies = 25
    @Option(help: "Symbols per strategy.") var maxSymbols = 50
    @Option(help: "Live subscriptions per user.") var maxSubscriptions = 100
    @Option(help: "Open event streams per user.") var maxStreamsPerUser = 4
    @Option(help: "Open event streams in all.") var maxStreams = 256

    func validate() throws {
        guard [metricsRateLimit, maxStrategies, maxSymbols, maxSubscriptions, maxStreamsPerUser, maxStreams].allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--metrics-rate-limit and the --max-… quotas must be ≥ 1")
        }
    }

    /// The operator token: the option, else TRADECTL_METRICS_TOKEN, else the file TRADECTL_METRICS_TOKEN_FILE names.
    func operatorToken() throws -> String? {
        let env = ProcessInfo.processInfo.environment
        if let t = metricsToken ?? env["TRADECTL_METRICS_TOKEN"] { return t.isEmpty ? nil : t }
        guard let file = env["TRADECTL_METRICS_TOKEN_FILE"] else { return nil }
        return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Flag(help: "Do not seed an empty database with the demo account, example strategies and subscriptions.") var noDemoSeed = false
    @Flag(help: "Mark the dashboard's cookies Secure (when served behind HTTPS).") var secureCookies = false

    func run() async throws {
        var logger = Logger(label: "tradectl.serve")
        logger.logLevel = .info
        do {
            let runtime = try await StrategyHost()
            let dataDir = URL(fileURLWithPath: executor.db).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            let secrets = try APISecrets.load(directory: keys ?? dataDir)
            let parts = try await executor.started(host: runtime).makeParts(host: runtime, secrets: secrets)
            var options = APIOptions()
            options.authRequestsPerMinute = authRateLimit
            options.bcryptCost = bcryptCost
            options.listingCacheTTL = .milliseconds(listingCacheMs)
            options.metricsToken = try operatorToken()
            options.metricsRequestsPerMinute = metricsRateLimit
            options.quotas = Quotas(strategiesPerUser: maxStrategies, symbolsPerStrategy: maxSymbols, subscriptionsPerUser: maxSubscriptions)
            options.streamsPerUser = maxStreamsPerUser
            options.streamsTotal = maxStreams
            let api = await PlatformAPI(db: parts.database, secrets: secrets, validator: ProcessValidator(host: runtime),
                                        coordinator: parts.coordinator, registry: parts.registry, options: options,
                                        metrics: ProcessMetrics.registry,
                                        bots: BotDesk(db: parts.database, catalog: BotCatalog(host: runtime), coordinator: parts.coordinator,
                                                      candles: parts.source, clock: parts.clock, quotas: options.quotas))
            if !noDemoSeed, let root = HostConfiguration.projectRoot {
                try await DemoSeed(api: api, host: runtime, coordinator: parts.coordinator, candles: parts.source, clock: parts.clock,
                                   logger: logger).seedIfEmpty(strategies: root + "/python/strategies")
            }
            let app = try api.application(host: host, port: port, logger: logger,
                                          dashboard: DashboardServices(candles: parts.source, clock: parts.clock, host: runtime,
                                                                       secureCookies: secureCookies))
            let metricsEndpoint = try executor.metricsEndpoint()
            logger.info("tradectl serve on http://\(host):\(port) (dashboard at /, database \(executor.db), executor \(noExecutor ? "off" : "on"), lock \(executor.redis == nil ? "in-process" : "redis"))")
            // One group: SIGTERM or SIGINT shuts its services down in reverse order. The scheduler
            // first (no new execution starts; the running ones commit), then the HTTP servers, the
            // WAL checkpoints (a last one), and the runtime (sandbox workers killed and reaped).
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: RuntimeService(host: runtime))]
            if let checkpoints = parts.database.checkpoints { services.append(.init(service: checkpoints)) }
            services.append(.init(service: app))
            if let (mHost, mPort) = metricsEndpoint {
                services.append(.init(service: api.metrics.application(host: mHost, port: mPort, logger: logger)))
            }
            if !noExecutor {
                // The API keeps serving when the executor stops on its own (past --until) or fails.
                services.append(.init(service: SchedulerService(worker: parts.worker, logger: logger),
                                      successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
            }
            try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        } catch let e as PlatformError {
            Output.failPlatform(e, json: false)
        } catch let e as StrategyError {
            Output.fail(e, json: false)
        }
        Output.exit(code: 0)
    }
}
