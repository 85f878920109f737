import StrategyRuntime

/// What a sweep ranks its runs by (`--rank-by`), highest first.
public enum SweepRank: String, Sendable, CaseIterable, Codable {
    /// The return over the walked candles, %.
    case `return`
    /// The Sharpe ratio (backtesting.py's definition).
    case sharpe
    /// The Calmar ratio (backtesting.py's definition).
    case calmar

    /// The run's score; NaN when it has none (a failed run, a ratio with no variance).
    public func score(_ r: BacktestResult) -> Double {
        switch self {
        case .return: return r.metrics?.returnPct ?? r.stats.returnPct
        case .sharpe: return r.metrics?.sharpeRatio ?? .nan
        case .calmar: return r.metrics?.calmarRatio ?? .nan
        }
    }
}

/// One combination of a sweep and what its backtest gave.
public struct SweepRun: Sendable {
    /// One value per swept parameter, in the spec's order.
    public var values: [SweepValue]
    /// The `ctx.params` the strategy got.
    public var paramsJSON: String
    /// The backtest, or why it failed.
    public var result: Result<BacktestResult, PlatformError>
    /// The score it was ranked by (NaN: ranked last).
    public var score: Double

    /// A run, for callers that rank runs of their own (`ParameterSweep.rank`).
    public init(values: [SweepValue], paramsJSON: String, result: Result<BacktestResult, PlatformError>, score: Double) {
        self.values = values
        self.paramsJSON = paramsJSON
        self.result = result
        self.score = score
    }
}

/// A ranked sweep.
public struct SweepResult: Sendable {
    /// What was swept.
    public var spec: SweepSpec
    /// What the runs are ranked by.
    public var rankBy: SweepRank
    /// Best first; runs without a score (failed, or NaN) last, in combination order.
    public var runs: [SweepRun]
    /// The whole sweep's wall time.
    public var wallSeconds: Double
}

/// Backtests every combination of a `SweepSpec` on the same engine as a single backtest
/// (`Backtester.run` with the combination in `ctx.params`), `jobs` at a time.
public enum ParameterSweep {
    /// Runs every combination of `spec` and ranks the runs by `rankBy`.
    ///
    /// - Parameters:
    ///   - settings: the single backtest's settings; `params` is the base the combinations are set
    ///     in, and each combination runs with `jobs` 1 (the sweep's jobs are combinations at once).
    ///   - jobs: how many combinations run at once, 1…64.
    ///   - progress: after each combination, (done, total).
    /// - Returns: the runs, ranked.
    /// - Throws: `PlatformError.invalidInput` when the strategy cannot read parameters (a
    ///   `main(data)` without ctx), `--params` is not an object, or `jobs` is outside 1…64. A
    ///   combination whose backtest fails is kept with its error and ranked last.
    public static func run(source: StrategySource, candles: CandleWindow, settings: BacktestSettings, spec: SweepSpec,
                           rankBy: SweepRank, jobs: Int, host: StrategyHost,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(PlatformError) -> SweepResult {
        guard (1...64).contains(jobs) else { throw PlatformError(.invalidInput, "jobs must be from 1 to 64, got \(jobs)", field: "jobs") }
        let probe: Strategy
        do {
            probe = try await host.load(source, isolation: .shared)
        } catch {
            throw PlatformError(.invalidInput, "the strategy does not load: \(error)")
        }
        await host.unload(probe)
        if probe.contract == .main, !probe.takesContext {
            throw PlatformError(.invalidInput, "\(source.id)'s main(data) takes no ctx, so it cannot read ctx.params: nothing to sweep "
                                + "(define main(data, ctx), prepare(data, ctx) or signals(data, ctx))", field: "sweep")
        }
        let combinations = spec.combinations
        var params: [String] = []
        for c in combinations { params.append(try spec.paramsJSON(c, base: settings.params)) }
        let clock = ContinuousClock()
        let start = clock.now
        let results = await withTaskGroup(of: (Int, Result<BacktestResult, PlatformError>).self) { group in
            // At most `jobs` at once; collected as they finish and put in combination order after.
            // (The first form — a nested function adding each task, results written into slots —
            // mixed up indices in release builds of Swift 6.3.1: wrong ranks, then a trap.)
            var next = 0, running = 0
            var finished: [(Int, Result<BacktestResult, PlatformError>)] = []
            finished.reserveCapacity(combinations.count)
            while true {
                while running < jobs && next < combinations.count {
                    var s = settings
                    s.params = params[next]
                    s.jobs = 1
                    let (index, runSettings) = (next, s)
                    group.addTask { await runOne(index, source: source, candles: candles, settings: runSettings, host: host) }
                    next += 1
                    running += 1
                }
                guard let item = await group.next() else { break }
                running -= 1
                finished.append(item)
                progress?(finished.count, combinations.count)
            }
            return finished.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let runs = zip(combinations, zip(params, results)).map { c, pr in
            SweepRun(values: c, paramsJSON: pr.0, result: pr.1, score: (try? pr.1.get()).map(rankBy.score) ?? .nan)
        }
        return SweepResult(spec: spec, rankBy: rankBy, runs: rank(runs), wallSeconds: Double((clock.now - start) / .microseconds(1)) / 1e6)
    }

    /// One combination's backtest, with its index.
    private static func runOne(_ index: Int, source: StrategySource, candles: CandleWindow, settings: BacktestSettings,
                               host: StrategyHost) async -> (Int, Result<BacktestResult, PlatformError>) {
        do {
            return (index, .success(try await Backtester.run(source: source, candles: candles, settings: settings, host: host)))
        } catch {
            return (index, .failure(error))
        }
    }

    /// Highest score first; runs without a finite score after, in their given order (the sort is stable).
    public static func rank(_ runs: [SweepRun]) -> [SweepRun] {
        runs.enumerated().sorted { a, b in
            let (x, y) = (a.element.score, b.element.score)
            if x.isNaN != y.isNaN { return !x.isNaN }
            if !x.isNaN, x != y { return x > y }
            return a.offset < b.offset
        }.map(\.element)
    }
}
