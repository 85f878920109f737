import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl bench backtest`: `tradectl backtest`'s engines against backtesting.py, in one run, on one CSV.
struct BenchBacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Side-by-side backtest speed: prepare+signals, prepare+main (and the seed's per-candle main) against backtesting.py.",
        discussion: """
        Writes one CSV of synthetic one-minute candles, then runs the same SMA(10, 20) crossover (fees 0, \
        trading on the signal candle's close, reversing on each cross) through backtesting.py (from \
        .tradectl/bt-venv, made by scripts/setup.sh) and through `Backtester.run` for python/baseline/\
        sma_10_20_signals.py and sma_10_20_prepared.py (and, with --per-candle, sma_10_20_main.py, also in sandbox \
        workers; with --sweep, a 100-combination sweep). Times: \
        backtesting.py's Backtest.run (indicators, loop, stats; not the CSV read or the imports) against \
        Backtester.run (loading the strategy, the frame of the whole history, prepare, signals or main per \
        candle, the account walk, the look-ahead check; not the CSV read). Checks that every case closes \
        the same trades as backtesting.py (side, entry and exit candle and price).
        """)

    @Option(help: "Candles in the CSV.") var candles = 100_000
    @Option(help: "Seed of the synthetic candle series.") var seed: UInt64 = 42
    @Option(help: "Look-ahead check of the vectorised cases: off, sample or full.") var lookaheadCheck: LookAheadCheck = .sample
    @Flag(help: "Also run the seed's per-candle main (about 5,000 candles/s): with --jobs 1 (the account walked in memory), in 1 sandbox worker, and with --jobs N.")
    var perCandle = false
    @Option(help: "Workers of the per-candle parallel case, and runs at once of the sweep.") var jobs = 2
    @Flag(help: "Also time a 100-combination sweep (fast=5:50:5, slow=20:200:20) of python/strategies/sma_crossover_params.py.")
    var sweep = false
    @Option(help: "Keep the CSV at this path (default: a temporary file, removed).") var csv: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let root = try Output.projectRoot()
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 64") }
        let bench = BacktestBench(root: root, candles: candles, seed: seed, lookAheadCheck: lookaheadCheck, perCandle: perCandle,
                                  jobs: jobs, sweep: sweep, csvPath: csv,
                                  log: { if !json { FileHandle.standardError.write(Data("  \($0)…\n".utf8)) } })
        let report: BacktestBench.Report
        do {
            report = try await bench.run()
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        }
        print(json ? Output.json(report.object) : report.table)
        Output.exit(code: report.allTradesMatch ? 0 : 1)
    }
}
