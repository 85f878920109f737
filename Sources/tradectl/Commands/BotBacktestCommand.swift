import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl bot backtest`: a bot through the live coordinator and the paper exchange (orders and
/// fills), with itself as the one subscriber, over a candle file.
struct BotBacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Run a bot over a candle file on the paper exchange: P&L, round trips or deals, fees, drawdown, orders and fills.")

    @OptionGroup var bot: BotArguments
    @Option(help: "CSV file of OHLCV candles.") var candles: String
    @Option(help: "The symbol the candles belong to.") var symbol: String
    @Option(help: "The candles' timeframe: 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w.") var timeframe: String
    @OptionGroup var rules: BotRuleOptions
    @Option(help: "Slippage of market and stop fills, in basis points.") var slippageBps = 0.0
    @Flag(help: "Print JSON with the summary, every order and every fill.") var json = false

    func validate() throws {
        guard Timeframe(rawValue: timeframe) != nil else {
            throw ValidationError("unknown timeframe '\(timeframe)'; expected one of " + Timeframe.allCases.map(\.rawValue).joined(separator: " "))
        }
    }

    func run() async throws {
        let result: BacktestResult
        let summary: BotBacktestSummary
        do {
            let host = try await StrategyHost()
            let catalog = BotCatalog(host: host)
            let tf = Timeframe(rawValue: timeframe) ?? .m1
            let window = try CandleCSV.read(path: candles, symbol: try CandleOptions.symbol(symbol), timeframe: timeframe)
            guard window.count >= 2 else { throw PlatformError(.invalidInput, "the bot needs at least 2 candles", field: "candles") }
            let kind = try BotKind(parsing: bot.type)
            let market = try bot.marketKind() ?? kind.market
            let marketRules = try rules.marketRules(market)
            let start = window.close[1]  // lookback 2: the first call closes candle 1
            let spec = try await bot.spec(symbol: window.symbol, timeframe: tf, rules: marketRules, price: start, catalog: catalog)
            let preview = try await catalog.preview(spec.kind, params: spec.params, rules: marketRules, price: start)
            let capital = BotSpec.capital(investment: spec.investment, previewJSON: preview)
            var settings = BacktestSettings(terms: try spec.terms(capital: capital), makerFeeBps: marketRules.makerFee * 10_000,
                                            takerFeeBps: marketRules.takerFee * 10_000, slippageBps: slippageBps, lookback: 2,
                                            isolation: .shared, params: spec.params)
            settings.rules = try rules.symbolRules(market)
            let bar = ProgressBar(enabled: !json && isatty(STDERR_FILENO) == 1)
            result = try await Backtester.run(source: StrategySource(id: "\(kind.rawValue)-bot", code: kind.source, origin: "<bot>"),
                                              candles: window, settings: settings, host: host,
                                              progress: { done, total in bar.update(done, of: total) })
            bar.finish()
            summary = BotBacktestSummary(result, spec: spec, capital: capital, closes: Array(window.close[1...]))
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let orders = (try? JSONSerialization.jsonObject(with: encoder.encode(result.orders))) ?? []
            let fills = (try? JSONSerialization.jsonObject(with: encoder.encode(result.fills))) ?? []
            print(Output.json(["summary": summary.object, "orders": orders, "fills": fills]))
        } else {
            print(summary.table)
        }
        Output.exit(code: 0)
    }
}

/// The figures of a bot's backtest.
struct BotBacktestSummary {
    var kind: BotKind
    var candles: Int
    var capital: Double
    var status: BotStatus
    var finalEquity: Double
    var maxDrawdownPct: Double
    /// The share of closes inside the starting range [lower, upper] (grid and BTD), else nil.
    var timeInRange: Double?
    var liquidations: Int
    var orders: Int
    var fills: Int
    var failedCalls: Int
    var candlesPerSecond: Double
    var wallSeconds: Double
    var lastClose: Double?

    init(_ r: BacktestResult, spec: BotSpec, capital: Double, closes: [Double]) {
        kind = spec.kind
        candles = r.candles
        self.capital = capital
        status = BotStatus(stateJSON: r.state)
        finalEquity = r.equity.last ?? capital
        var peak = capital, worst = 0.0
        for e in r.equity {
            peak = max(peak, e)
            if peak > 0 { worst = max(worst, (peak - e) / peak) }
        }
        maxDrawdownPct = worst * 100
        let params = (try? JSONSerialization.jsonObject(with: Data(spec.params.utf8))) as? [String: Any]
        if spec.kind == .grid || spec.kind == .btd, let lo = (params?["lower"] as? NSNumber)?.doubleValue,
           let hi = (params?["upper"] as? NSNumber)?.doubleValue, !closes.isEmpty {
            timeInRange = Double(closes.filter { $0 >= lo && $0 <= hi }.count) / Double(closes.count)
        }
        liquidations = r.fills.filter(\.liquidation).count
        orders = r.orders.count
        fills = r.fills.count
        failedCalls = r.failedCalls
        candlesPerSecond = r.candlesPerSecond
        wallSeconds = r.wallSeconds
        lastClose = closes.last
    }

    var totalPnl: Double { finalEquity - capital }
    /// Total less realised (a profit counted in base valued at the last close).
    var unrealisedPnl: Double? { BotStatus.unrealised(total: totalPnl, realised: status.realised, currency: status.currency, price: lastClose) }

    var object: [String: Any] {
        ["type": kind.rawValue, "candles": candles, "capital": capital, "final_equity": finalEquity,
         "realised_profit": status.realised, "profit_currency": status.currency, "unrealised_pnl": unrealisedPnl ?? NSNull(),
         "total_pnl": totalPnl, kind.counter: kind.counter == "deals" ? status.deals : status.roundTrips, "fees": status.fees,
         "max_drawdown_pct": maxDrawdownPct, "time_in_range": timeInRange ?? NSNull(), "liquidations": liquidations,
         "ended": status.endedReason ?? NSNull(), "orders": orders, "fills": fills, "failed_calls": failedCalls,
         "candles_per_second": candlesPerSecond, "wall_seconds": wallSeconds]
    }

    var table: String {
        let rows: [(String, String)] = [
            ("bot", kind.rawValue), ("candles", "\(candles)"), ("capital", String(format: "%.2f", capital)),
            ("realised profit", String(format: "%.6g %@", status.realised, status.currency)),
            ("unrealised P&L", unrealisedPnl.map { String(format: "%.2f", $0) } ?? "—"),
            ("total P&L", String(format: "%.2f (%.2f%%)", totalPnl, capital > 0 ? totalPnl / capital * 100 : 0)),
            (kind.counter == "deals" ? "deals" : "round trips", "\(kind.counter == "deals" ? status.deals : status.roundTrips)"),
            ("fees", String(format: "%.6g %@", status.fees, status.currency)),
            ("max drawdown", String(format: "%.2f%% of equity", maxDrawdownPct)),
            ("time in range", timeInRange.map { String(format: "%.1f%%", $0 * 100) } ?? "—"),
            ("liquidations", "\(liquidations)"), ("ended", status.endedReason ?? "no (still running)"),
            ("orders / fills", "\(orders) / \(fills)"), ("failed calls", "\(failedCalls)"),
            ("speed", String(format: "%.0f candles/s (%.2f s)", candlesPerSecond, wallSeconds)),
        ]
        return rows.map { $0.0.padding(toLength: 18, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
