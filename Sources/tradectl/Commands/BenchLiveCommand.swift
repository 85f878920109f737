import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl bench live`: one signal fanned out to many live subscribers on the exchange simulator.
struct BenchLiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Live orders against the exchange simulator on loopback: N subscribers, one signal, every order exactly once.",
        discussion: """
        Starts the simulator (the tradectl-exchange-sim executable beside tradectl, or --simulator), \
        places one market order per subscriber through LiveOrderRouter on Binance spot, all on --keys \
        API keys (default 1: one key's order budget), and reports orders placed, reused client ids, \
        429s and 418s, the wall time, and the connector's own time per order (signing, encoding, \
        decoding; network and simulator excluded).
        """)

    @Option(help: "Subscribers, one order each.") var subscribers = 1_000
    @Option(help: "API keys the subscribers share (1: every order on one key's budget).") var keys = 1
    @Option(help: "Orders in flight at once.") var concurrency = 64
    @Option(help: "The simulator's order limit per window (Binance: 50 per 10 s).") var ordersPerWindow = 50
    @Option(help: "The simulator's order window, ms.") var orderWindowMs: Int64 = 10_000
    @Option(help: "The tradectl-exchange-sim executable.") var simulator: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard subscribers >= 1, keys >= 1, concurrency >= 1 else { throw ValidationError("--subscribers, --keys and --concurrency must be ≥ 1") }
        let me = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let path = simulator ?? me.deletingLastPathComponent().appendingPathComponent("tradectl-exchange-sim").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("no simulator at \(path): swift build -c release --product tradectl-exchange-sim, or pass --simulator")
        }
        let report = try await LiveBench(simulator: path, subscribers: subscribers, keys: keys, concurrency: concurrency,
                                         ordersPerWindow: ordersPerWindow, orderWindowMs: orderWindowMs).run()
        print(json ? Output.json(report.object) : report.text)
        Output.exit(code: report.exactlyOnce && report.bans == 0 ? 0 : 1)
    }
}
