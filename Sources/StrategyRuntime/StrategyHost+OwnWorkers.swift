/// Sandbox workers started for one strategy alone, for work that can be split between processes
/// (a parallel backtest's `--jobs`).
extension StrategyHost {
    /// Loads `source` into `count` `process`-level workers of its own, started now and shared with
    /// no other strategy (not placed by author, never in the host's pool). They are recycled only
    /// past the RSS limit, not after a number of calls: a backtest makes tens of thousands. Their
    /// callers never poll for a reply (they wait on the pipe from a dispatch queue): with as many
    /// workers as cores busy, a polling caller takes a core from a worker.
    ///
    /// - Parameters:
    ///   - source: the strategy's code.
    ///   - count: how many workers, 1…64.
    ///   - limits: per-call limits, as for `load`.
    /// - Returns: one loaded strategy per worker; stop them with `stopOwnWorkers`.
    /// - Throws: `StrategyError`: `unsupported` without the tradectl-sandbox executable or with a
    ///   count outside 1…64, else what `load` throws at `process`.
    public func loadInOwnWorkers(_ source: StrategySource, count: Int,
                                 limits: StrategyLimits = StrategyLimits()) async throws(StrategyError) -> [Strategy] {
        guard (1...64).contains(count) else {
            throw StrategyError(.unsupported, "workers of one strategy: 1 to 64, got \(count)", strategyID: source.id)
        }
        guard let exe = configuration.workerExecutable else {
            throw StrategyError(.unsupported, "parallel calls need the tradectl-sandbox executable (HostConfiguration.workerExecutable)",
                                strategyID: source.id)
        }
        let c = configuration
        let workers = (0..<count).map { _ in
            ProcessWorker(executable: exe, arguments: workerOptions(slot: Self.nextSlot()).arguments, policy: c.workerSandbox,
                          logger: logger, recycleAfter: .max, rssLimit: c.workerRSSLimit,
                          spinFloor: .zero, spinLimit: .zero)
        }
        let loaded = await withTaskGroup(of: (Int, Result<(UInt32, Bool), StrategyError>).self) { group in
            for (i, worker) in workers.enumerated() {
                group.addTask {
                    do throws(StrategyError) {
                        return (i, .success(try await worker.load(source, limits: limits)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var out = [Result<(UInt32, Bool), StrategyError>?](repeating: nil, count: count)
            for await (i, r) in group { out[i] = r }
            return out.compactMap { $0 }
        }
        var strategies: [Strategy] = []
        for (worker, result) in zip(workers, loaded) {
            switch result {
            case .success(let (handle, takesContext)):
                strategies.append(Strategy(id: source.id, version: source.version, limits: limits, takesContext: takesContext,
                                           remote: RemoteStrategy(worker: worker, handle: handle)))
            case .failure(let error):
                for w in workers { await w.stop() }
                throw error
            }
        }
        return strategies
    }

    /// Runs a strategy loaded by `loadInOwnWorkers` on every window of `lookback` candles of
    /// `candles` that ends at index `firstEnd` or later, in its worker, in one request.
    ///
    /// - Returns: each window's result, in order, as `run` would give it.
    /// - Throws: `StrategyError`: `unsupported` for a strategy not in a worker; `timeout` or
    ///   `crashed` when the worker passed the block's deadline or died (nothing of the block is
    ///   kept: run it again call by call to find the window at fault), `quarantined`.
    public func runWindows(_ strategy: Strategy, candles: CandleWindow, firstEnd: Int, lookback: Int,
                           context: StrategyCallContext = StrategyCallContext()) async throws(StrategyError) -> [Result<StrategyOutcome, StrategyError>] {
        guard let remote = strategy.remote else {
            throw StrategyError(.unsupported, "runWindows needs a strategy in a sandbox worker (loadInOwnWorkers)", strategyID: strategy.id)
        }
        if let reason = strategy.quarantineReason { throw StrategyError(.quarantined, reason, strategyID: strategy.id) }
        guard (0..<max(1, candles.count)).contains(firstEnd), lookback > 0, candles.count - firstEnd <= Wire.maxWindows else {
            throw StrategyError(.invalidInput, "runWindows: first end \(firstEnd) of \(candles.count) candles, lookback \(lookback)",
                                strategyID: strategy.id)
        }
        return try await remote.worker.runWindows(handle: remote.handle, window: candles, firstEnd: firstEnd, lookback: lookback, context: context)
    }

    /// Stops the workers `loadInOwnWorkers` started (killed and reaped); the strategies are never
    /// called again.
    public func stopOwnWorkers(_ strategies: [Strategy]) async {
        for s in strategies {
            s.markQuarantined("its workers were stopped")
            await s.remote?.worker.stop()
        }
    }
}
