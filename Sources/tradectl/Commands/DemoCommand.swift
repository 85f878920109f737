import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// `tradectl demo`: the whole loop on the embedded default, or `demo runtime` for the runtime alone.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the platform loop end to end (default) or the runtime alone.",
        subcommands: [PlatformDemoCommand.self, RuntimeDemoCommand.self], defaultSubcommand: PlatformDemoCommand.self)
}

struct PlatformDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform",
        abstract: "Create users, strategies and subscribers; replay candles through the scheduler and executor; fan out, fill on the paper broker; summarise.")

    @Option(help: "The SQLite file (created fresh; default: a temporary file).") var db: String?
    @Option(help: "Subscribers, spread over the example strategies with varied risk.") var subscribers = 1_000
    @Option(help: "Candles to replay (1m, synthetic).") var candles = 300
    @Option(help: "Wall milliseconds per candle.") var pace = 40.0
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let root = try Output.projectRoot()
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-demo-\(getpid()).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            let database = try PlatformDatabase(path: path)
            let host = try await StrategyHost()
            var examples: [(String, IsolationLevel, String, Int)] = [("sma_crossover", .shared, "{}", 200),
                                                                      ("momentum", .subinterpreter, #"{"lookback": 10, "threshold": 0.002}"#, 50)]
            if host.capabilities.talib { examples.insert(("rsi_reversion", .shared, "{}", 100), at: 1) }
            var strategyIDs: [Int64] = []
            for (i, (name, level, params, lookback)) in examples.enumerated() {
                let author = try database.createUser(name: "author-\(name)")
                let code = try String(contentsOfFile: "\(root)/python/strategies/\(name).py", encoding: .utf8)
                let v = try database.createStrategy(ownerID: author, name: name, spec: StrategyVersionSpec(
                    source: code, params: params, symbols: ["BTCUSDT"], timeframe: .m1, lookback: lookback, isolation: level))
                strategyIDs.append(v.strategyID)
                _ = i
            }
            try database.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5))
            for (i, id) in strategyIDs.enumerated() {
                let count = subscribers / strategyIDs.count + (i < subscribers % strategyIDs.count ? 1 : 0)
                _ = try database.bulkSubscribers(prefix: "trader-\(i)-", count: count, strategyID: id) { k in
                    try! SubscriptionTerms(capital: 500 + Double(k % 20) * 250, riskPerTrade: 0.005 + Double(k % 8) * 0.0025,
                                           leverage: Double(1 + k % 5), allowShort: k % 3 != 0)
                }
            }
            let start: Int64 = 1_704_067_200_000
            let speed = 60_000 / pace
            for (name, level, _, _) in examples {  // warm up (a sub-interpreter takes a moment) before the clock starts
                _ = try await host.load(try StrategySource(file: "\(root)/python/strategies/\(name).py", id: "warm-\(name)"), isolation: level)
            }
            let clock = VirtualClock(virtualStart: start, wallStart: VirtualClock.wallNow(), speed: speed)
            var settings = Worker.Settings()
            settings.until = start + Int64(candles) * 60_000
            settings.name = "demo"
            let feed = SyntheticFeed(seed: 2024, clock: clock)
            let worker = Worker(coordinator: try Coordinator(db: database, host: host, slippageBps: 1, worker: "demo", projection: .deferred),
                                source: feed, clock: clock, settings: settings)
            if !json { print("replaying \(candles) one-minute candles for \(strategyIDs.count) strategies and \(subscribers) subscribers…") }
            let tally = try await worker.run()
            let last = try await feed.candles(symbol: "BTCUSDT", timeframe: .m1, from: settings.until! - 120_000, through: settings.until!)
            let report = try database.report()
            let mark = last.close.last ?? 0
            let unrealised = report.openPositions.reduce(0) { $0 + ($1.side == .long ? 1 : -1) * (mark - $1.entryPrice) * $1.qty - $1.entryFee }
            let row: [String: Any] = [
                "database": path, "candles": candles, "strategies": strategyIDs.count, "subscribers": subscribers,
                "executions": report.executionsByStatus, "executed_by_worker": tally.executed, "signals": report.signals,
                "orders_filled": report.ordersFilled, "orders_skipped": report.ordersSkipped, "closed_trades": report.closedTrades,
                "open_positions": report.openPositions.count, "realised_pnl": report.realisedPnl, "unrealised_pnl": unrealised,
                "execution_p50_us": Self.percentile(report.executionMicros, 50), "execution_p99_us": Self.percentile(report.executionMicros, 99),
                "candle_p50_us": Self.percentile(report.candleMicros, 50), "candle_p99_us": Self.percentile(report.candleMicros, 99),
            ]
            if json {
                print(Output.json(row))
            } else {
                let lines: [(String, String)] = [
                    ("database", path), ("executions", report.executionsByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
                    ("per candle (all strategies)", String(format: "p50 %.0f µs, p99 %.0f µs", Self.percentile(report.candleMicros, 50), Self.percentile(report.candleMicros, 99))),
                    ("per execution", String(format: "p50 %.0f µs, p99 %.0f µs", Self.percentile(report.executionMicros, 50), Self.percentile(report.executionMicros, 99))),
                    ("signals", "\(report.signals)"), ("orders", "\(report.ordersFilled) filled, \(report.ordersSkipped) skipped"),
                    ("trades", "\(report.closedTrades) closed, \(report.openPositions.count) open"),
                    ("P&L", String(format: "realised %.2f, unrealised %.2f", report.realisedPnl, unrealised)),
                ]
                for (k, v) in lines { print(k.padding(toLength: 29, withPad: " ", startingAt: 0) + v) }
            }
        } catch let e as PlatformError {
            Output.failPlatform(e, json: json)
        } catch let e as StrategyError {
            Output.fail(e, json: json)
        }
        Output.exit(code: 0)
    }

    static func percentile(_ xs: [Int], _ p: Double) -> Double {
        Output.percentileMicros(xs.map { UInt64(max(0, $0)) * 1000 }, p)
    }
}
