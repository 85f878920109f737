import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl backtest`: one subscriber, the live coordinator and the paper broker, across a CSV file.
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay a candle file on the paper exchange with one subscriber, as live execution runs it.")

    @Argument(help: "The strategy's Python file.") var file: String
    @OptionGroup var candles: CandleOptions
    @Option(help: "The subscriber's capital.") var capital = 10_000.0
    @Option(help: "Risk per trade, as a fraction of capital (0, 1].") var risk = 0.01
    @Option(help: "Leverage, 1…125.") var leverage = 1.0
    @Option(help: "Whether SELL may open a short (true/false).") var allowShort = true
    @Option(help: "Fee per side, in basis points.") var feeBps = 0.0
    @Option(help: "Market of the account: spot (balances, no shorts) or futures (isolated margin, liquidation).")
    var market: MarketKind = .futures
    @Option(help: "Fee on limit (maker) fills, in basis points (default: --fee-bps).") var makerFeeBps: Double?
    @Option(help: "Fee on market and stop (taker) fills, in basis points (default: --fee-bps).") var takerFeeBps: Double?
    @Option(help: "Slippage, in basis points.") var slippageBps = 0.0
    @Option(help: "Isolation level: shared, subinterpreter or process.") var isolation: IsolationLevel = .shared
    @Option(help: "Strategy parameters as a JSON object.") var params = "{}"
    @Option(help: "Look-ahead check of prepare/signals strategies: off, sample or full.") var lookaheadCheck: LookAheadCheck = .sample
    @Option(help: ArgumentHelp("Sandbox workers evaluating a per-candle main(data)'s windows at once (1…64). A main that takes ctx "
                               + "runs sequentially, and the output says so. With --sweep: combinations run at once."))
    var jobs = 1
    @Option(help: ArgumentHelp("Backtest every combination of parameters, passed in ctx.params: name=start:stop:step parts, "
                               + "comma-separated, e.g. 'fast=5:30:5,slow=20:100:10'.")) var sweep: String?
    @Option(help: "What a sweep ranks by: return, sharpe or calmar.") var rankBy: SweepRank = .return
    @Option(help: "Where a two-parameter sweep writes its heat map (SVG; default: <strategy>-sweep-<rank-by>.svg).") var heatmap: String?
    @Option(help: "Ranked sweep rows printed.") var top = 25
    @Option(help: "Write a self-contained HTML report (candles and trades, equity, drawdown, stats) to this file.") var report: String?
    @Option(help: "Write the report as a PNG image, rendered by headless Chromium.") var plot: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let host = try await StrategyHost()
        let result: BacktestResult
        let all: CandleWindow
        do {
            all = try candles.load()
            let source = try StrategySource(file: file)
            let terms = try SubscriptionTerms(capital: capital, riskPerTrade: risk, leverage: leverage, allowShort: allowShort, market: market)
            var settings = BacktestSettings(terms: terms, feeBps: feeBps, makerFeeBps: makerFeeBps, takerFeeBps: takerFeeBps,
                                            slippageBps: slippageBps, lookback: candles.lookback, isolation: isolation, params: params)
            settings.lookAheadCheck = lookaheadCheck
            settings.jobs = jobs
            let bar = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
            if let sweep {
                let spec = try SweepSpec(parsing: sweep)
                let swept = try await ParameterSweep.run(source: source, candles: all, settings: settings, spec: spec, rankBy: rankBy,
                                                         jobs: jobs, host: host, progress: { done, total in bar.update(done, of: total, unit: "runs") })
                bar.finish()
                try SweepOutput(command: self).emit(swept)
                Output.exit(code: 0)
            }
            result = try await Backtester.run(source: source, candles: all, settings: settings, host: host,
                                              progress: { done, total in bar.update(done, of: total) })
            bar.finish()
            if let why = result.sequentialReason, !json { FileHandle.standardError.write(Data("note: \(why)\n".utf8)) }
            if report != nil || plot != nil {
                let page = BacktestReport.html(result, candles: all, title: URL(fileURLWithPath: file).lastPathComponent)
                if let report { try write(page, to: report, field: "report") }
                if let plot { try ReportPlot.write(html: page, to: plot) }
            }
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        }
        if json {
            print(Output.json(["trades": BacktestOutput.trades(result), "stats": BacktestOutput.stats(result),
                               "orders": BacktestOutput.orders(result), "fills": BacktestOutput.fills(result)]))
        } else {
            print(BacktestOutput.table(result))
        }
        Output.exit(code: 0)
    }

    /// Writes a file the user named, or a typed error naming the option.
    func write(_ text: String, to path: String, field: String) throws(PlatformError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw PlatformError(.invalidInput, "cannot write --\(field) \(path): \(error.localizedDescription)", field: field)
        }
    }
}

/// A one-line progress bar on stderr, redrawn at most once per percent.
final class ProgressBar: @unchecked Sendable {  // @unchecked: calls are serialised (one task, or the parallel engine's lock).
    let enabled: Bool
    private var lastPercent = -1

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: Int, of total: Int, unit: String = "candles") {
        guard enabled, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let filled = percent * 30 / 100
        let text = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] \(percent)% (\(done)/\(total) \(unit))"
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

enum BacktestOutput {
    static func trades(_ r: BacktestResult) -> [[String: Any]] {
        var rows: [[String: Any]] = r.trades.map { t in
            ["side": t.side.rawValue, "entry_time": CandleCSV.isoString(t.entryTime), "exit_time": CandleCSV.isoString(t.exitTime),
             "entry_price": t.entryPrice, "exit_price": t.exitPrice, "qty": t.qty, "pnl": t.pnl, "return_pct": t.returnPct,
             "exit_reason": t.reason]
        }
        if let p = r.open {
            let pnl = p.markToMarket(r.lastClose)
            rows.append(["side": p.side.rawValue, "entry_time": CandleCSV.isoString(p.entryTime), "exit_time": NSNull(),
                         "entry_price": p.entryPrice, "exit_price": NSNull(), "qty": p.qty, "pnl": pnl,
                         "return_pct": pnl / (p.entryPrice * p.qty) * 100, "exit_reason": NSNull()])
        }
        return rows
    }

    static func stats(_ r: BacktestResult) -> [String: Any] {
        let s = r.stats
        return ["trades": s.trades, "win_rate": s.winRate, "realised_pnl": s.realisedPnl, "unrealised_pnl": s.unrealisedPnl,
                "return_pct": s.returnPct, "max_drawdown_pct": s.maxDrawdownPct, "profit_factor": s.profitFactor ?? NSNull(),
                "candles": r.candles, "failed_calls": r.failedCalls, "candles_per_second": r.candlesPerSecond,
                "strategy_share": r.strategyShare, "wall_seconds": r.wallSeconds, "phase_seconds": r.phaseSeconds].merging(VectorisedOutput.stats(r)) { $1 }
    }

    static func table(_ r: BacktestResult) -> String {
        rows(r).map { $0.0.padding(toLength: 18, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    /// The stats table's rows (label, value), for the terminal and the HTML report.
    static func rows(_ r: BacktestResult) -> [(String, String)] {
        let s = r.stats
        return [
            ("candles", "\(r.candles)"), ("trades", "\(s.trades)"), ("win rate", String(format: "%.1f%%", s.winRate * 100)),
            ("realised P&L", String(format: "%.2f", s.realisedPnl)), ("unrealised P&L", String(format: "%.2f", s.unrealisedPnl)),
            ("return", String(format: "%.2f%%", s.returnPct)), ("max drawdown", String(format: "%.2f%%", s.maxDrawdownPct)),
            ("profit factor", s.profitFactor.map { String(format: "%.2f", $0) } ?? "—"),
            ("orders", BacktestOutput.orderSummary(r)), ("fills", BacktestOutput.fillSummary(r)),
            ("failed calls", "\(r.failedCalls)"), ("speed", String(format: "%.0f candles/s", r.candlesPerSecond)),
            ("time in strategy", String(format: "%.1f%% of wall time", r.strategyShare * 100)),
            ("phases (s)", ["lock", "data", "strategy", "account", "fanout", "commit", "project"].compactMap { name in
                r.phaseSeconds[name].map { String(format: "%@ %.2f", name, $0) } }
                .joined(separator: ", ")),
        ] + VectorisedOutput.rows(r)
    }
}
