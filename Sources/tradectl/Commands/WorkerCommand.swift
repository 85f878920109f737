import ArgumentParser
import Foundation
import Platform
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

    func run() async throws {
        do {
            let parts = try executor.makeParts(host: try await StrategyHost())
            let t = try await parts.worker.run()
            let name = executor.name
            let tally: [String: Any] = ["worker": name, "executed": t.executed, "skipped": t.skipped, "busy": t.busy,
                                        "seen_done": t.seenDone, "lock_errors": t.lockErrors]
            print(json ? Output.json(tally) : "\(name): executed \(t.executed), skipped \(t.skipped), busy \(t.busy), seen done \(t.seenDone), lock errors \(t.lockErrors)")
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        Output.exit(code: 0)
    }
}
