import ArgumentParser
import Foundation
import Logging
import Platform
import PlatformAPI
import ServiceLifecycle
import StrategyRuntime

/// `tradectl worker`: the scheduler and executor over the platform database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the candle scheduler and executor. Several workers share one Redis (--redis) and one database.",
        discussion: """
        The clock is real time, or accelerated with --speed: virtual time = --virtual-start + \
        (now − --wall-start) × speed, so workers given the same three values agree. Feeds: \
        'synthetic' (seeded GBM, --seed), 'store' (the candles table) or 'replay' (--candles CSV).
        """)

    @OptionGroup var executor: ExecutorOptions
    @Flag(help: "Print the final tally as JSON.") var json = false
    @Option(help: "Directory of the key files, as for serve (default: the database's directory); the master key opens live credentials.")
    var keys: String?

    func run() async throws {
        do {
            let host = try await StrategyHost()
            let secrets = try APISecrets.load(directory: keys ?? URL(fileURLWithPath: executor.db).deletingLastPathComponent().path)
            let parts = try await executor.started(host: host).makeParts(host: host, secrets: secrets)
            let logger = Logger(label: "tradectl.worker")
            let scheduler = SchedulerService(worker: parts.worker, logger: logger)
            // SIGTERM or SIGINT: the scheduler drains (no new execution starts, the running ones
            // commit), then the metrics server, the WAL checkpoints (a last one) and the runtime
            // (sandbox workers) stop. A scheduler that stops on its own (past --until) shuts the
            // group down the same way.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: RuntimeService(host: host))]
            if let checkpoints = parts.database.checkpoints { services.append(.init(service: checkpoints)) }
            if let endpoint = try executor.metricsEndpoint() {
                services.append(.init(service: MetricsExporter(db: parts.database, registry: ProcessMetrics.registry)
                    .application(host: endpoint.host, port: endpoint.port, logger: Logger(label: "tradectl.worker.metrics"))))
            }
            services.append(.init(service: scheduler, successTerminationBehavior: .gracefullyShutdownGroup))
            try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
            let t = scheduler.tally
            let name = executor.name
            let tally: [String: Any] = ["worker": name, "executed": t.executed, "skipped": t.skipped, "busy": t.busy,
                                        "seen_done": t.seenDone, "lock_errors": t.lockErrors, "throttled": t.throttled,
                                        "load_failures": t.loadFailures, "paused": t.paused]
            print(json ? Output.json(tally) : "\(name): executed \(t.executed), skipped \(t.skipped) (throttled \(t.throttled)), busy \(t.busy), "
                  + "seen done \(t.seenDone), lock errors \(t.lockErrors), load failures \(t.loadFailures), paused \(t.paused)")
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        Output.exit(code: 0)
    }
}
