import StrategyRuntime

/// Which engine ran a backtest.
public enum BacktestEngine: String, Sendable, Codable {
    /// The seed's contract: main on a fresh window per candle, the account walked in memory.
    case perCandle = "per-candle"
    /// The same through the live coordinator (`BacktestSettings.throughCoordinator`).
    case perCandleCoordinator = "per-candle-coordinator"
    /// prepare over the whole history once, main on window views of it per candle.
    case prepareMain = "prepare+main"
    /// prepare (if any) and signals over the whole history once; no call per candle.
    case signals
}

extension Backtester {
    /// A vectorised backtest (README "Fast backtests"): prepare once over the whole history, then
    /// either signals once (no call per candle) or main on window views of the prepared frame;
    /// the account walks the paper exchange in memory, candle by candle, as the reference
    /// account does live; then the look-ahead check re-evaluates prepare and signals on
    /// truncated history.
    ///
    /// - Throws: `PlatformError`: `strategyFailed` when prepare or signals fails, `lookAhead`
    ///   with the column, the candle and both values when the check finds a difference.
    static func runVectorised(_ strategy: Strategy, candles: CandleWindow, settings: BacktestSettings, host: StrategyHost,
                              progress: (@Sendable (Int, Int) -> Void)?) async throws(PlatformError) -> BacktestResult {
        let t = settings.terms
        let exchange = try paperExchange(settings)
        let rules = exchange.rules
        let clock = ContinuousClock()
        let start = clock.now
        let whole: CandleFrame
        do {
            whole = try host.frame(candles)
        } catch {
            throw PlatformError(.invalidInput, "\(error)")
        }
        let context = StrategyCallContext(paramsJSON: settings.params, rulesJSON: ReferenceStep.rulesJSON(rules))
        let history = try await step("prepare") { () async throws(StrategyError) in
            try await host.prepareHistory(strategy, frame: whole, context: context)
        }
        let first = min(settings.lookback, candles.count) - 1
        let walked = first..<candles.count
        let box = WalkBox(AccountWalk(exchange: exchange, terms: t))
        var python: UInt64 = 0
        if strategy.contract.callsMain {
            box.walk.match(candles.bar(first))
            let initial = StrategyCallContext(paramsJSON: settings.params, accountJSON: box.walk.accountJSON(), rulesJSON: context.rulesJSON)
            let total = walked.count
            do {
                try await host.runWindows(history, candles: walked, lookback: settings.lookback, context: initial) { end, result in
                    box.record(end, result, candles: candles)
                    progress?(end - first + 1, total)
                    return .next(accountJSON: box.walk.accountJSON())
                }
            } catch {
                throw failed("main", error)
            }
            python = box.nanos
        } else {
            let cols = try await step("signals") { () async throws(StrategyError) in try await host.signalColumns(history, context: context) }
            for i in walked {
                let bar = candles.bar(i)
                box.walk.match(bar)
                do {
                    if let s = try cols.signal(at: i, close: bar.close, symbol: candles.symbol, strategyID: strategy.id) {
                        box.walk.place(signals: [s], intents: [], at: bar)
                        box.signalCandles.append(i)
                    }
                } catch {
                    box.failed += 1  // as a per-candle call returning this signal would be: recorded, not placed
                }
                box.walk.mark(bar)
            }
            progress?(walked.count, walked.count)
        }
        let engineSeconds = Double((clock.now - start) / .microseconds(1)) / 1e6
        let report = try await checkLookAhead(history, settings.lookAheadCheck, walked: walked, signals: box.signalCandles,
                                              context: context, host: host, times: candles.times)
        box.nanos = python
        var result = walkedResult(box, candles: candles, first: first, settings: settings, seconds: engineSeconds)
        result.engine = strategy.contract.callsMain ? .prepareMain : .signals
        result.lookAhead = report
        return result
    }

    /// The paper exchange of a backtest walked in memory: the settings' symbol rules (tick, lot
    /// step, minimums), fees and slippage.
    static func paperExchange(_ settings: BacktestSettings) throws(PlatformError) -> PaperExchange {
        try PaperExchange(rules: try settings.symbolRules().market(settings.terms.market), slippageBps: settings.slippageBps)
    }

    /// The result of an account walked over `candles` from `first` on, with its metrics.
    static func walkedResult(_ box: WalkBox, candles: CandleWindow, first: Int, settings: BacktestSettings,
                             seconds: Double) -> BacktestResult {
        let walk = box.walk
        let lastClose = candles.close.last ?? 0
        let open = walk.ledger.open
        let unrealised = open.map { $0.markToMarket(lastClose) } ?? 0
        var result = BacktestResult(trades: walk.trades, open: open, lastClose: lastClose,
                                    stats: TradeStats.compute(trades: walk.trades, unrealised: unrealised, capital: settings.terms.capital),
                                    orders: walk.orderEntries(symbol: candles.symbol), fills: walk.fillEntries(symbol: candles.symbol),
                                    candles: candles.count - first, failedCalls: box.failed, wallSeconds: seconds,
                                    strategySeconds: Double(box.nanos) / 1e9)
        result.equity = walk.equity
        result.computeMetrics(candles: candles, first: first)
        return result
    }

    /// Re-evaluates the candles `mode` picks; throws at the first difference.
    private static func checkLookAhead(_ history: PreparedHistory, _ mode: LookAheadCheck, walked: Range<Int>, signals: [Int],
                                       context: StrategyCallContext, host: StrategyHost,
                                       times: [Int64]) async throws(PlatformError) -> LookAheadReport {
        let clock = ContinuousClock()
        let start = clock.now
        let picked = mode.candles(in: walked, signals: signals)
        for candle in picked {
            let finding = try await step("look-ahead check") { () async throws(StrategyError) in
                try await host.lookAhead(history, at: candle, context: context)
            }
            if let finding { throw finding.error(times: times) }
        }
        let signalSet = Set(signals)
        return LookAheadReport(mode: mode, candlesChecked: picked.count, signalCandlesChecked: picked.filter(signalSet.contains).count,
                               seconds: Double((clock.now - start) / .microseconds(1)) / 1e6)
    }

    private static func step<T>(_ name: String, _ body: () async throws(StrategyError) -> T) async throws(PlatformError) -> T {
        do {
            return try await body()
        } catch {
            throw failed(name, error)
        }
    }

    static func failed(_ name: String, _ e: StrategyError) -> PlatformError {
        var text = "\(name) failed: \(e.code): \(e.message)"
        if let tb = e.traceback, !tb.isEmpty { text += "\n" + tb }
        return PlatformError(.strategyFailed, text, field: name)
    }
}

/// The account walk and counters of a prepare+main backtest.
///
/// `@unchecked Sendable`: while `runWindows` runs, only the interpreter thread touches it (its
/// `step` closure, one call at a time); the backtest reads it after `runWindows` returned, which
/// the call's hand-over orders after every step.
final class WalkBox: @unchecked Sendable {
    var walk: AccountWalk
    var failed = 0
    var nanos: UInt64 = 0
    var signalCandles: [Int] = []

    init(_ walk: AccountWalk) { self.walk = walk }

    /// After main's call on candle `end`: place what it returned, mark the equity, match the next
    /// candle (unless `matchNext` is false: the caller matches each candle before its call).
    func record(_ end: Int, _ result: Result<StrategyOutcome, StrategyError>, candles: CandleWindow, matchNext: Bool = true) {
        let bar = candles.bar(end)
        switch result {
        case .success(let out):
            nanos += out.strategyNanos
            if !out.signals.isEmpty || !out.intents.isEmpty {
                walk.place(signals: out.signals, intents: out.intents, at: bar)
                signalCandles.append(end)
            } else {
                walk.acknowledge()
            }
        case .failure:
            failed += 1
        }
        walk.mark(bar)
        if matchNext, end + 1 < candles.count { walk.match(candles.bar(end + 1)) }
    }
}
