import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Platform
import PlatformAPI
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
        once (mode 0600) in --keys (default: beside the database).
        """)

    @OptionGroup var executor: ExecutorOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Directory of the key files (default: the database's directory).") var keys: String?
    @Option(help: "Requests per minute per client on /auth endpoints.") var authRateLimit = 30
    @Option(help: "bcrypt cost for password hashes.") var bcryptCost: UInt8 = 10
    @Option(help: "How long a page of the public strategy listing is served from memory, ms (0: never).") var listingCacheMs = 1000
    @Flag(help: "Serve the API only, without the scheduler and executor.") var noExecutor = false

    func run() async throws {
        var logger = Logger(label: "tradectl.serve")
        logger.logLevel = .info
        do {
            let runtime = try await StrategyHost()
            let dataDir = URL(fileURLWithPath: executor.db).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            let parts = try executor.makeParts(host: runtime)
            let secrets = try APISecrets.load(directory: keys ?? dataDir)
            var options = APIOptions()
            options.authRequestsPerMinute = authRateLimit
            options.bcryptCost = bcryptCost
            options.listingCacheTTL = .milliseconds(listingCacheMs)
            let api = await PlatformAPI(db: parts.database, secrets: secrets, validator: ProcessValidator(host: runtime),
                                        coordinator: parts.coordinator, registry: parts.registry, options: options)
            let app = api.application(host: host, port: port, logger: logger)
            logger.info("tradectl serve on http://\(host):\(port) (database \(executor.db), executor \(noExecutor ? "off" : "on"), lock \(executor.redis == nil ? "in-process" : "redis"))")
            let worker = parts.worker
            let log = logger
            try await withThrowingTaskGroup(of: Void.self) { group in
                if !noExecutor {
                    group.addTask {
                        do {
                            _ = try await worker.run()
                        } catch {
                            log.error("executor stopped: \(error)")
                        }
                    }
                }
                try await app.runService()
                group.cancelAll()
            }
        } catch let e as PlatformError {
            Output.failPlatform(e, json: false)
        } catch let e as StrategyError {
            Output.fail(e, json: false)
        }
        Output.exit(code: 0)
    }
}
