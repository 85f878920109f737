import ArgumentParser
import Foundation

/// `tradectl bench bots`: many grid bots through one candle close, copiers of one bot, and a
/// grid bot's backtest speed (issue 15's figures).
struct BenchBotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bots",
        abstract: "Grid bots through one close (grid-N-close), copiers over the bot alone, and the grid backtest's candles per second.")

    @Option(help: "Grid bots of 20 levels, each its own owner and account.") var bots = 10_000
    @Option(help: "Copiers of one grid bot.") var copiers = 1_000
    @Option(help: "Measured closes per case (after the start).") var closes = 5
    @Option(help: "One-minute candles of the grid backtest (0: skip).") var backtestCandles = 100_000
    @Flag(help: "Print JSON: {\"cases\": [{name, p50_us, p99_us, n}], \"backtest\": {candles, candles_per_second}}.") var json = false

    func run() async throws {
        _ = try Output.projectRoot()
        let bench = BotsBench(bots: bots, copiers: copiers, closes: max(closes, 1), backtestCandles: backtestCandles,
                              progress: { if !json { FileHandle.standardError.write(Data("  \($0)…\n".utf8)) } })
        let (cases, backtest) = try await bench.runAll()
        let bt: [String: Any] = backtest.map { ["candles": $0.candles, "candles_per_second": $0.candlesPerSecond, "wall_seconds": $0.wallSeconds,
                                                "fills": $0.fills.count, "failed_calls": $0.failedCalls] } ?? [:]
        if json {
            print(Output.json(["cases": cases.map(\.object), "backtest": bt]))
        } else {
            print(BenchCase.table(cases))
            if let b = backtest {
                print(String(format: "backtest-grid-%d      %.0f candles/s (%.1f s, %d fills, %d failed calls)", b.candles, b.candlesPerSecond,
                             b.wallSeconds, b.fills.count, b.failedCalls))
            }
        }
        Output.exit(code: 0)
    }
}
