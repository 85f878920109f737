import Synchronization
import StrategyRuntime

extension Backtester {
    /// Why a strategy's per-candle calls cannot be split between workers (`--jobs`), or nil when
    /// they can.
    ///
    /// The rule is the signature, decided before any call: only a `main(data)` that takes no
    /// `ctx` runs in parallel. Such a main cannot see `ctx.state` (kept from call to call) nor
    /// `ctx.account` (the result of every earlier candle's orders), so a call on candle i depends
    /// on the candles of its window alone, and the order the windows are evaluated in cannot
    /// change what it returns. A `main(data, ctx)` may read either, so it runs sequentially even
    /// when it only reads `ctx.params`. Module-level globals a strategy rebinds or mutates are not
    /// seen by this rule (README "Fast backtests": they are not state in the contract).
    static func sequentialReason(_ strategy: Strategy, settings: BacktestSettings) -> String? {
        if strategy.contract.isVectorised, settings.isolation == .shared {
            return strategy.contract.callsMain
                ? "--jobs does not apply: prepare+main runs main in this process on views of the prepared history, sequentially"
                : "--jobs does not apply: prepare/signals are evaluated once over the whole history"
        }
        if strategy.takesContext {
            return "--jobs needs a main(data) without ctx: \(strategy.id)'s main takes ctx, so it may keep ctx.state or read "
                + "ctx.account, which depend on the calls before it; running sequentially"
        }
        return nil
    }

    /// A per-candle backtest whose windows are evaluated in `settings.jobs` sandbox workers of
    /// their own (README "Fast backtests", `--jobs`), then walked in candle order on the same
    /// paper exchange as a vectorised backtest: each candle's resting orders are matched, then
    /// what main returned on it is placed. The strategy must pass `sequentialReason`.
    ///
    /// - Throws: `PlatformError.invalidInput` when the strategy does not load in its workers or
    ///   the candles are malformed. A failed call is counted in `failedCalls`, as sequentially.
    ///
    /// `package` with `workers` for `tradectl bench backtest`, which also times one worker to tell
    /// the engine's own cost from what the second worker adds.
    package static func runParallel(source: StrategySource, candles: CandleWindow, settings: BacktestSettings, host: StrategyHost,
                                    workers count: Int? = nil,
                                    progress: (@Sendable (Int, Int) -> Void)?) async throws(PlatformError) -> BacktestResult {
        let count = count ?? settings.jobs
        do {
            try candles.validate()
        } catch {
            throw PlatformError(.invalidInput, "\(error)")
        }
        let exchange = try paperExchange(settings)
        let first = min(settings.lookback, candles.count) - 1
        let walked = first..<candles.count
        let clock = ContinuousClock()
        let start = clock.now
        let workers: [Strategy]
        do {
            workers = try await host.loadInOwnWorkers(source, count: count)
        } catch {
            throw PlatformError(.invalidInput, "the strategy does not load in its \(count) workers: \(error)")
        }
        let results = await evaluate(workers, candles: candles, walked: walked, settings: settings, host: host, progress: progress)
        await host.stopOwnWorkers(workers)
        let box = WalkBox(AccountWalk(exchange: exchange, terms: settings.terms))
        if !walked.isEmpty { box.walk.match(candles.bar(first)) }
        for end in walked { box.record(end, results[end - first], candles: candles) }
        var result = walkedResult(box, candles: candles, first: first, settings: settings,
                                  seconds: Double((clock.now - start) / .microseconds(1)) / 1e6)
        result.jobs = count
        return result
    }

    /// main on every walked window, in `workers` at once; the results in candle order.
    private static func evaluate(_ workers: [Strategy], candles: CandleWindow, walked: Range<Int>, settings: BacktestSettings,
                                 host: StrategyHost,
                                 progress: (@Sendable (Int, Int) -> Void)?) async -> [Result<StrategyOutcome, StrategyError>] {
        // Blocks of consecutive candles, handed out in order as workers free up; each crosses the
        // pipe once, with the lookback before it, and its windows are evaluated in one request.
        let blockSize = min(1_000, max(16, walked.count / (workers.count * 8)))
        let blocks = BlockQueue(walked, size: blockSize)
        let context = StrategyCallContext(paramsJSON: settings.params)
        return await withTaskGroup(of: [(Int, Result<StrategyOutcome, StrategyError>)].self) { group in
            for worker in workers {
                group.addTask {
                    var out: [(Int, Result<StrategyOutcome, StrategyError>)] = []
                    while let block = blocks.next() {
                        // The block with the lookback before it, in one request; if the request as a
                        // whole fails (its worker passed the block's deadline or died), call by call.
                        let from = max(0, block.lowerBound - settings.lookback + 1)
                        if let each = try? await host.runWindows(worker, candles: candles.slice(from..<block.upperBound),
                                                                 firstEnd: block.lowerBound - from, lookback: settings.lookback,
                                                                 context: context) {
                            out += zip(block, each).map { ($0, $1) }
                        } else {
                            for end in block {
                                do throws(StrategyError) {
                                    let frame = try host.frame(candles.window(endingAt: end, lookback: settings.lookback))
                                    out.append((end, .success(try await host.run(worker, on: frame, context: context))))
                                } catch {
                                    out.append((end, .failure(error)))
                                }
                            }
                        }
                        blocks.finished(block) { progress?($0, walked.count) }
                    }
                    return out
                }
            }
            var all = [Result<StrategyOutcome, StrategyError>](repeating: .failure(StrategyError(.unavailable, "not evaluated")),
                                                               count: walked.count)
            for await part in group {
                for (end, r) in part { all[end - walked.lowerBound] = r }
            }
            return all
        }
    }
}

/// Consecutive blocks of a range, handed out once each, in order.
final class BlockQueue: Sendable {
    private let range: Range<Int>
    private let size: Int
    private let nextStart: Mutex<Int>
    private let done = Mutex(0)

    init(_ range: Range<Int>, size: Int) {
        self.range = range
        self.size = max(1, size)
        nextStart = Mutex(range.lowerBound)
    }

    func next() -> Range<Int>? {
        nextStart.withLock { start in
            guard start < range.upperBound else { return nil }
            let block = start..<min(start + size, range.upperBound)
            start = block.upperBound
            return block
        }
    }

    /// Counts `block` as done and reports the candles done so far, under the lock (so the
    /// reports are serialised and increasing).
    func finished(_ block: Range<Int>, report: (Int) -> Void) {
        done.withLock { n in
            n += block.count
            report(n)
        }
    }
}
