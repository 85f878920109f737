import StrategyRuntime

extension Backtester {
    /// A per-candle backtest (`main` on a fresh window per candle, as live) walked in memory: the
    /// coordinator's steps for the one subscriber, who mirrors the reference account one to one
    /// (match the candle, show `ctx.account`, call, place what the call returned, mark the equity),
    /// without a lock, a journal or a database row per candle. `BacktestSettings.throughCoordinator`
    /// runs the same candles through the live coordinator instead; a test holds the two equal.
    static func runWalked(_ strategy: Strategy, candles: CandleWindow, settings: BacktestSettings, host: StrategyHost,
                          progress: (@Sendable (Int, Int) -> Void)?) async throws(PlatformError) -> BacktestResult {
        let exchange = try paperExchange(settings)
        let rulesJSON = ReferenceStep.rulesJSON(exchange.rules)
        let first = min(settings.lookback, candles.count) - 1
        let walked = first..<candles.count
        let box = WalkBox(AccountWalk(exchange: exchange, terms: settings.terms))
        var state = "{}"
        let clock = ContinuousClock()
        let start = clock.now
        var frames = Duration.zero, calls = Duration.zero
        for end in walked {
            let bar = candles.bar(end)
            box.walk.match(bar)
            let t0 = clock.now
            let frame: CandleFrame
            do {
                frame = try host.frame(candles.window(endingAt: end, lookback: settings.lookback))
            } catch {
                throw PlatformError(.invalidInput, "\(error)")
            }
            let t1 = clock.now
            let context = StrategyCallContext(paramsJSON: settings.params, stateJSON: state, accountJSON: box.walk.accountJSON(),
                                              rulesJSON: rulesJSON)
            var result: Result<StrategyOutcome, StrategyError>
            do {
                result = .success(try await host.run(strategy, on: frame, context: context))
            } catch {
                result = .failure(error)
            }
            if case .success(let out) = result, let bad = Coordinator.invalid(out.signals, symbol: candles.symbol, strategyID: strategy.id) {
                result = .failure(bad)  // as the coordinator records it: a failed call, nothing placed
            }
            if case .success(let out) = result { state = out.stateJSON }
            frames += t1 - t0
            calls += clock.now - t1
            box.record(end, result, candles: candles, matchNext: false)
            progress?(end - first + 1, walked.count)
        }
        let seconds = Double((clock.now - start) / .microseconds(1)) / 1e6
        var result = walkedResult(box, candles: candles, first: first, settings: settings, seconds: seconds)
        let data = Double(frames / .microseconds(1)) / 1e6, strategySeconds = Double(calls / .microseconds(1)) / 1e6
        result.phaseSeconds = ["data": data, "strategy": strategySeconds, "account": max(0, seconds - data - strategySeconds)]
        result.state = state
        result.account = box.walk.accountEntry(symbol: candles.symbol, time: candles.times.last ?? 0)
        return result
    }
}
