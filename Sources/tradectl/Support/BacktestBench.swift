import Foundation
import Platform
import StrategyRuntime

/// The cases of `tradectl bench backtest`, run in one process on one CSV.
struct BacktestBench {
    let root: String
    let candles: Int
    let seed: UInt64
    let lookAheadCheck: LookAheadCheck
    let perCandle: Bool
    /// Workers of the per-candle parallel case (`--jobs`) and of the sweep; 1 leaves both out.
    var jobs = 2
    /// Whether to time a 100-combination sweep of a vectorised strategy.
    var sweep = false
    let csvPath: String?
    let log: (String) -> Void

    /// A closed trade as both engines report it.
    struct TradeKey: Equatable {
        var side: String
        var entryTime: Int64, exitTime: Int64
        var entryPrice: Double, exitPrice: Double

        func matches(_ o: TradeKey) -> Bool {
            side == o.side && entryTime == o.entryTime && exitTime == o.exitTime
                && abs(entryPrice - o.entryPrice) <= 1e-9 * entryPrice && abs(exitPrice - o.exitPrice) <= 1e-9 * exitPrice
        }
    }

    struct Case {
        var name: String
        var seconds: Double
        var trades: [TradeKey]
        var matches: Bool
        var lookAhead: LookAheadReport?
        var firstDifference: String?
        /// Other figures of the case, for the table and JSON.
        var note: String?
    }

    struct Report {
        var candles: Int
        var reference: Case
        var cases: [Case]
        var allTradesMatch: Bool { cases.allSatisfy(\.matches) }

        var object: [String: Any] {
            func row(_ c: Case) -> [String: Any] {
                var r: [String: Any] = ["name": c.name, "seconds": c.seconds, "trades": c.trades.count, "same_trades": c.matches,
                                        "speedup_vs_backtesting_py": c.seconds > 0 ? reference.seconds / c.seconds : 0]
                if let l = c.lookAhead { r["lookahead_check"] = ["mode": l.mode.rawValue, "candles": l.candlesChecked, "seconds": l.seconds] }
                if let d = c.firstDifference { r["first_difference"] = d }
                if let n = c.note { r["note"] = n }
                return r
            }
            return ["candles": candles, "cases": ([reference] + cases).map(row)]
        }

        var table: String {
            var lines = ["case".padding(toLength: 30, withPad: " ", startingAt: 0) + "  seconds   candles/s  trades  same trades  × backtesting.py"]
            for c in [reference] + cases {
                let same = c.name == reference.name ? "—" : (c.matches ? "yes" : "NO")
                lines.append(c.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                             + String(format: " %8.3f %11.0f %7d  %11@  %16.2f", c.seconds, Double(candles) / max(c.seconds, 1e-9),
                                      c.trades.count, same, reference.seconds / max(c.seconds, 1e-9)))
                if let l = c.lookAhead, l.mode != .off {
                    lines.append(String(format: "    (look-ahead check %@: %d candles, %.3f s of the above)", l.mode.rawValue, l.candlesChecked, l.seconds))
                }
                if let d = c.firstDifference { lines.append("    first difference: \(d)") }
                if let n = c.note { lines.append("    \(n)") }
            }
            return lines.joined(separator: "\n")
        }
    }

    func run() async throws -> Report {
        let window = SyntheticCandles(seed: seed).generate(candles)
        let path = csvPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-bench-\(getpid()).csv").path
        try Self.writeCSV(window, to: path)
        defer { if csvPath == nil { try? FileManager.default.removeItem(atPath: path) } }
        let loaded = try CandleCSV.read(path: path, symbol: window.symbol, timeframe: window.timeframe)
        log("backtesting.py on \(candles) candles")
        let reference = try referenceCase(csv: path)
        let host = try await StrategyHost()
        var cases: [Case] = []
        // (name, file, workers): nil runs `Backtester.run` with --jobs 1; a count runs the parallel engine with that many workers.
        var files: [(String, String, Int?)] = [("tradectl prepare+signals", "sma_10_20_signals.py", nil),
                                               ("tradectl prepare+main", "sma_10_20_prepared.py", nil)]
        if perCandle {
            files.append(("tradectl per-candle main", "sma_10_20_main.py", nil))
            if jobs > 1 {
                files += [("per-candle main, 1 sandbox worker", "sma_10_20_main.py", 1), ("per-candle main --jobs \(jobs)", "sma_10_20_main.py", jobs)]
            }
        }
        for (name, file, workers) in files {
            log(name)
            let source = try StrategySource(file: "\(root)/python/baseline/\(file)", id: file)
            var settings = BacktestSettings(terms: try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1), lookback: 21)
            settings.lookAheadCheck = lookAheadCheck
            let clock = ContinuousClock()
            let start = clock.now
            let r: BacktestResult
            if let workers {
                r = try await Backtester.runParallel(source: source, candles: loaded, settings: settings, host: host, workers: workers, progress: nil)
            } else {
                r = try await Backtester.run(source: source, candles: loaded, settings: settings, host: host)
            }
            let seconds = Double((clock.now - start) / .microseconds(1)) / 1e6
            let trades = r.trades.map { TradeKey(side: $0.side.rawValue, entryTime: $0.entryTime, exitTime: $0.exitTime,
                                                 entryPrice: $0.entryPrice, exitPrice: $0.exitPrice) }
            let difference = Self.firstDifference(trades, reference.trades, lastTime: loaded.times.last ?? 0)
            cases.append(Case(name: name, seconds: seconds, trades: trades, matches: difference == nil, lookAhead: r.lookAhead,
                              firstDifference: difference))
        }
        if let sequential = cases.first(where: { $0.name == "tradectl per-candle main" }) {
            for i in cases.indices where cases[i].name.hasPrefix("per-candle main") {
                cases[i].note = String(format: "%.2f× the per-candle main with --jobs 1", sequential.seconds / max(cases[i].seconds, 1e-9))
            }
        }
        if sweep { cases.append(try await sweepCase(loaded, reference: reference, host: host)) }
        return Report(candles: candles, reference: reference, cases: cases)
    }

    /// The spec of the sweep case: 10 × 10 = 100 combinations.
    static let sweepSpec = "fast=5:50:5,slow=20:200:20"

    /// A 100-combination sweep of sma_crossover_params.py (prepare + signals), `jobs` runs at once.
    /// Its fast=10, slow=20 run must close backtesting.py's trades, like the single backtests.
    private func sweepCase(_ loaded: CandleWindow, reference: Case, host: StrategyHost) async throws -> Case {
        log("sweep \(Self.sweepSpec), \(jobs) runs at once")
        let source = try StrategySource(file: "\(root)/python/strategies/sma_crossover_params.py", id: "sma_crossover_params.py")
        var settings = BacktestSettings(terms: try SubscriptionTerms(capital: 10_000, riskPerTrade: 0.1), lookback: 21)
        settings.lookAheadCheck = lookAheadCheck
        let clock = ContinuousClock()
        let start = clock.now
        let sweep = try await ParameterSweep.run(source: source, candles: loaded, settings: settings, spec: try SweepSpec(parsing: Self.sweepSpec),
                                                 rankBy: .return, jobs: jobs, host: host)
        let seconds = Double((clock.now - start) / .microseconds(1)) / 1e6
        let failed = sweep.runs.filter { (try? $0.result.get()) == nil }.count
        let sma1020 = sweep.runs.first { $0.values == [.int(10), .int(20)] }.flatMap { try? $0.result.get() }
        let trades = (sma1020?.trades ?? []).map { TradeKey(side: $0.side.rawValue, entryTime: $0.entryTime, exitTime: $0.exitTime,
                                                            entryPrice: $0.entryPrice, exitPrice: $0.exitPrice) }
        let difference = failed > 0 ? "\(failed) runs failed" : Self.firstDifference(trades, reference.trades, lastTime: loaded.times.last ?? 0)
        let best = sweep.runs.first.map { "\($0.paramsJSON) \(String(format: "%.2f", $0.score))%" } ?? "—"
        return Case(name: "sweep of \(sweep.runs.count) (--jobs \(jobs))", seconds: seconds, trades: trades, matches: difference == nil,
                    firstDifference: difference,
                    note: String(format: "%.2f s a run; best by return: ", seconds / Double(max(1, sweep.runs.count))) + best
                        + "; trades and candles/s are the fast=10, slow=20 run's and the whole sweep's")
    }

    /// backtesting.py in its own virtualenv, as a child process.
    private func referenceCase(csv: String) throws -> Case {
        let python = "\(root)/.tradectl/bt-venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BaselineError(script: python, status: -1, output: "backtesting.py's virtualenv is missing: run scripts/setup.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["\(root)/python/baseline/backtesting_sma.py", csv]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let seconds = object["seconds"] as? Double, let rows = object["trades"] as? [[String: Any]] else {
            throw BaselineError(script: "backtesting_sma.py", status: process.terminationStatus,
                                output: String(decoding: data + errors, as: UTF8.self))
        }
        let trades = rows.map { r in
            TradeKey(side: r["side"] as? String ?? "", entryTime: (r["entry_time"] as? NSNumber)?.int64Value ?? 0,
                     exitTime: (r["exit_time"] as? NSNumber)?.int64Value ?? 0, entryPrice: r["entry_price"] as? Double ?? 0,
                     exitPrice: r["exit_price"] as? Double ?? 0)
        }
        return Case(name: "backtesting.py", seconds: seconds, trades: trades, matches: true)
    }

    /// The first trade that differs, or nil. A trade of ours closed by a signal on the last candle
    /// is left out: backtesting.py executes an order placed in `next()` on the following bar,
    /// so it never acts on the last bar's cross.
    static func firstDifference(_ ours: [TradeKey], _ theirs: [TradeKey], lastTime: Int64) -> String? {
        var ours = ours
        if ours.count == theirs.count + 1, ours.last?.exitTime == lastTime { ours.removeLast() }
        for (i, (a, b)) in zip(ours, theirs).enumerated() where !a.matches(b) {
            return "trade \(i): tradectl \(a), backtesting.py \(b)"
        }
        return ours.count == theirs.count ? nil : "\(ours.count) trades against backtesting.py's \(theirs.count)"
    }

    static func writeCSV(_ w: CandleWindow, to path: String) throws {
        var text = "time,open,high,low,close,volume\n"
        text.reserveCapacity(w.count * 80)
        for i in 0..<w.count {
            text += "\(w.times[i]),\(w.open[i]),\(w.high[i]),\(w.low[i]),\(w.close[i]),\(w.volume[i])\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
