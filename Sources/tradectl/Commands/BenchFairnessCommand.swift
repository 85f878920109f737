import ArgumentParser
import Foundation

/// `tradectl bench fairness`: a light tenant's latency alone and beside a noisy neighbour.
struct BenchFairnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fairness",
        abstract: "A light tenant's candles alone and beside a tenant with sleeping strategies, 50 symbols and a /metrics and stream flood.",
        discussion: """
        Three runs in this process, each serving the API on loopback with the scheduler, on an accelerated \
        clock: 'alone' (the light tenant only), 'attacked' (the default policy: lanes, round robin and \
        time budgets; nothing paused so the attack lasts), 'attacked-no-budgets' (lanes and round robin only). \
        Reports, for the light tenant, candles executed and skipped, how many committed within one candle \
        period of their close, and close-to-commit p50/p99/max.
        """)

    @Option(help: "One-minute candles measured per run.") var candles = 120
    @Option(help: "Virtual ms per wall ms (120: a candle every 500 ms).") var speed = 120.0
    @Option(help: "The attacker's strategies that sleep on every call.") var sleepers = 20
    @Option(help: "Seconds each sleeps (the call limit is 2 s).") var sleep = 1.9
    @Option(help: "Symbols of the attacker's wide strategy.") var symbols = 50
    @Option(help: "Threads looping GET /metrics.") var metricsClients = 8
    @Flag(help: "Print JSON: {\"runs\": [...]}.") var json = false

    func run() async throws {
        guard candles >= 10, speed > 0, sleepers >= 0, sleep >= 0, symbols >= 1 else {
            throw ValidationError("--candles ≥ 10, --speed > 0, --sleepers ≥ 0, --sleep ≥ 0, --symbols ≥ 1")
        }
        var config = FairnessBench.Config()
        config.candles = candles
        config.speed = speed
        config.sleepers = sleepers
        config.sleep = sleep
        config.symbols = symbols
        config.metricsClients = metricsClients
        config.progress = { name in if !json { FileHandle.standardError.write(Data("  \(name)…\n".utf8)) } }
        let results = try await FairnessBench(config: config).runAll()
        print(json ? Output.json(["runs": results.map(\.object)]) : FairnessBench.table(results))
        Output.exit(code: 0)
    }
}
