import CPython

/// The interpreter's side of `PreparedHistory`: each step is one guarded call through the host's
/// `invoke` (limits, captured output, ctx), on this interpreter's thread.
extension Interpreter {
    /// A whole-history step (prepare, signals, one look-ahead re-evaluation) does the work of many
    /// candles at once: it gets 60 times the per-call timeout, at least two minutes.
    static func historyTimeout(_ limits: StrategyLimits) -> Duration { max(limits.timeout * 60, .seconds(120)) }

    func prepareHistory(_ strategy: Strategy, frame: CandleFrame, context: StrategyCallContext) async throws(StrategyError) -> PreparedHistory {
        try await call { [self] (py, once: ResumeOnce<PreparedHistory>) in
            let w = frame.window
            let made: Result<PreparedHistory, StrategyError>? = hostStep(strategy) { () throws(PythonFailure) in
                let shared = try frame.object(in: self, py)
                let bt = try py.callHost("backtest_of", [PyRef(borrowing: strategy.main.pointer).take(), PyRef(borrowing: shared).take()])
                let handle = PyHandle(owning: bt.take()) { [thread] p in thread.submit { _ in Py_DecRef(p.raw) } }
                let prepare = try py.attribute(handle.pointer, "prepare")
                let view = try frame.view(in: self, py)
                let call = GuardedCall(function: prepare.ptr, takesContext: true, data: view.ptr, symbol: w.symbol,
                                       timeframe: w.timeframe, timeMs: w.times[w.count - 1], timeout: Self.historyTimeout(strategy.limits))
                guard let ran = guardedNow(strategy, call, context: context, py, onAbandon: { once.resume(.failure($0)) }) else { return nil }
                return ran.map { r in
                    let list = tc_tuple_item(r.value.ptr, 1)
                    let names = (0..<max(0, PyList_Size(list))).map { py.string(tc_list_item(list, $0)) ?? "?" }
                    return PreparedHistory(strategy: strategy, frame: frame, columns: names, object: handle)
                }
            }
            if let made { once.resume(made) }
        }
    }

    func signalColumns(_ history: PreparedHistory, context: StrategyCallContext) async throws(StrategyError) -> SignalColumns {
        let strategy = history.strategy, w = history.frame.window
        return try await call { [self] (py, once: ResumeOnce<SignalColumns>) in
            let made: Result<SignalColumns, StrategyError>? = hostStep(strategy) { () throws(PythonFailure) in
                let fn = try py.attribute(history.object.pointer, "signals")
                let none = PyRef(owning: tc_none_new())
                let call = GuardedCall(function: fn.ptr, takesContext: true, data: none.ptr, symbol: w.symbol,
                                       timeframe: w.timeframe, timeMs: w.times[w.count - 1], timeout: Self.historyTimeout(strategy.limits))
                guard let ran = guardedNow(strategy, call, context: context, py, onAbandon: { once.resume(.failure($0)) }) else { return nil }
                return ran.map { r in
                    let value = tc_tuple_item(r.value.ptr, 1)
                    let codes: [UInt8] = Self.bytes(tc_tuple_item(value, 0))
                    let stop: [Double] = Self.bytes(tc_tuple_item(value, 1)), take: [Double] = Self.bytes(tc_tuple_item(value, 2))
                    let table: [Signal.Action] = [.hold, .buy, .sell, .close]
                    func optional(_ v: [Double]) -> [Double?] {
                        v.count == codes.count ? v.map { $0.isNaN ? nil : $0 } : [Double?](repeating: nil, count: codes.count)
                    }
                    return SignalColumns(actions: codes.map { table[Int($0) & 3] }, stopLoss: optional(stop), takeProfit: optional(take))
                }
            }
            if let made { once.resume(made) }
        }
    }

    func lookAhead(_ history: PreparedHistory, at candle: Int, context: StrategyCallContext) async throws(StrategyError) -> LookAheadFinding? {
        let strategy = history.strategy, w = history.frame.window
        return try await call { [self] (py, once: ResumeOnce<LookAheadFinding?>) in
            let made: Result<LookAheadFinding?, StrategyError>? = hostStep(strategy) { () throws(PythonFailure) in
                let fn = try py.attribute(history.object.pointer, "check")
                let index = try py.newInt(candle)
                let call = GuardedCall(function: fn.ptr, takesContext: true, data: index.ptr, symbol: w.symbol,
                                       timeframe: w.timeframe, timeMs: w.times[candle], timeout: Self.historyTimeout(strategy.limits))
                guard let ran = guardedNow(strategy, call, context: context, py, onAbandon: { once.resume(.failure($0)) }) else { return nil }
                return ran.map { r in
                    let value = tc_tuple_item(r.value.ptr, 1)
                    guard value != tc_none() else { return nil }
                    return LookAheadFinding(column: py.string(tc_tuple_item(value, 0)) ?? "?", candle: PyLong_AsLong(tc_tuple_item(value, 1)),
                                            cut: candle, wholeHistory: py.string(tc_tuple_item(value, 2)) ?? "?",
                                            truncated: py.string(tc_tuple_item(value, 3)) ?? "?")
                }
            }
            if let made { once.resume(made) }
        }
    }

    func runWindows(_ history: PreparedHistory, candles: Range<Int>, lookback: Int, context: StrategyCallContext,
                    step: @escaping @Sendable (Int, Result<StrategyOutcome, StrategyError>) -> WindowStep) async throws(StrategyError) {
        let strategy = history.strategy, w = history.frame.window
        try await call { [self] (py, once: ResumeOnce<Void>) in
            let done: Result<Void, StrategyError>? = hostStep(strategy) { () throws(PythonFailure) in
                let window = try py.attribute(history.object.pointer, "window")
                let main = try py.attribute(strategy.main.pointer, "main")
                let arity = try py.attribute(strategy.main.pointer, "main_arity")
                let takesContext = PyLong_AsLong(arity.ptr) == 2
                let size = try py.newInt(lookback)
                var ctx = context
                for end in candles {
                    let view = try py.call(window.ptr, [try py.newInt(end).take(), PyRef(borrowing: size.ptr).take()])
                    let call = GuardedCall(function: main.ptr, takesContext: takesContext, data: view.ptr, symbol: w.symbol,
                                           timeframe: w.timeframe, timeMs: w.times[end])
                    guard let ran = guardedNow(strategy, call, context: ctx, py, onAbandon: { once.resume(.failure($0)) }) else { return nil }
                    let result = ran.flatMap { outcome(py, $0.value.ptr, report: $0.report, strategy: strategy, close: w.close[end],
                                                       symbol: w.symbol, context: ctx) }
                    if case .success(let o) = result { ctx.stateJSON = o.stateJSON }
                    switch step(end, result) {
                    case .stop: return .success(())
                    case .next(let account): ctx.accountJSON = account
                    }
                }
                return .success(())
            }
            if let done { once.resume(done) }
        }
    }

    /// Runs one step of the host's own work around a strategy call; a failure of the host's
    /// Python (not the strategy's) becomes an `exception` error. Nil when the call was abandoned.
    private func hostStep<T>(_ strategy: Strategy,
                             _ body: () throws(PythonFailure) -> Result<T, StrategyError>?) -> Result<T, StrategyError>? {
        do throws(PythonFailure) {
            return try body()
        } catch {
            return .failure(StrategyError(.exception, "host failure: \(error.message)", strategyID: strategy.id, traceback: error.traceback))
        }
    }

    /// The raw memory of a `bytes` object as values (empty for anything else).
    private static func bytes<T: BitwiseCopyable>(_ o: PyPtr) -> [T] {
        var p: UnsafeMutablePointer<CChar>?
        var n: Py_ssize_t = 0
        guard tc_is_bytes(o) != 0, PyBytes_AsStringAndSize(o, &p, &n) == 0, let p else { PyErr_Clear(); return [] }
        let count = n / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buf, initialised in
            UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: p, byteCount: count * MemoryLayout<T>.stride)
            initialised = count
        }
    }
}
