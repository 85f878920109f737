import CPython

extension Interpreter {
    /// Loads a strategy into this interpreter under the load limits.
    func load(_ source: StrategySource, isolation: IsolationLevel, limits: StrategyLimits) async throws(StrategyError) -> Strategy {
        try await call { [self] (py, once: ResumeOnce<Strategy>) in
            let result = loadNow(source, isolation: isolation, limits: limits, py) { once.resume(.failure($0)) }
            if let result { once.resume(result) }
        }
    }

    /// `load`'s work, on this interpreter's thread with the GIL held. Nil when the watchdog
    /// abandoned the import: `onAbandon` then received the error, from the watchdog's thread.
    func loadNow(_ source: StrategySource, isolation: IsolationLevel, limits: StrategyLimits, _ py: PythonContext,
                 onAbandon: @escaping @Sendable (StrategyError) -> Void) -> Result<Strategy, StrategyError>? {
        let id = source.id
        do throws(PythonFailure) {
            let args: [PyPtr] = [
                try py.newString(StrategyModuleName.make(id: id, version: source.version)).take(),
                try py.newString(source.code).take(), try py.newString(source.pythonFilename).take(),
                try py.newInt(limits.outputBytes).take(), try py.newInt(limits.recursionLimit).take(),
            ]
            let tuple = try py.newTuple(args)
            let (raw, report) = withLimits(py, limits: limits, timeout: limits.loadTimeout, strategyID: id, onAbandon: {
                onAbandon(Interpreter.quarantineError(id, timeout: limits.loadTimeout, grace: limits.grace))
            }) { PyObject_Call(py.runLoadFn, tuple.ptr, nil) }
            if report.abandoned { Py_DecRef(raw); return nil }
            let result = try py.check(raw)
            let out = CapturedOutput(py, result.ptr, first: 2, limit: limits.outputBytes)
            if var err = limitError(report, limits: limits, timeout: limits.loadTimeout, strategyID: id) {
                err.message = "while importing the strategy: " + err.message
                out.attach(to: &err)
                return .failure(err)
            }
            let value = tc_tuple_item(result.ptr, 1)
            guard PyObject_IsTrue(tc_tuple_item(result.ptr, 0)) == 1 else {
                let f = py.describe(exception: value)
                var err = StrategyError(.load, Interpreter.loadMessage(f), strategyID: id, traceback: f.traceback,
                                        line: f.line > 0 ? f.line : nil)
                out.attach(to: &err)
                return .failure(err)
            }
            let release: @Sendable (PyHandle.Pointer) -> Void = { [thread] p in thread.submit { _ in Py_DecRef(p.raw) } }
            let contractName = try py.callHost("contract_of", [PyRef(borrowing: tc_tuple_item(value, 1)).take()])
            let strategy = Strategy(
                id: id, version: source.version, isolation: isolation, limits: limits,
                takesContext: PyLong_AsLong(tc_tuple_item(value, 2)) == 2,
                contract: py.string(contractName.ptr).flatMap { StrategyContract(rawValue: $0) } ?? StrategyContract.main, interpreter: self,
                main: PyHandle(owning: PyRef(borrowing: tc_tuple_item(value, 1)).take(), release: release),
                module: PyHandle(owning: PyRef(borrowing: tc_tuple_item(value, 0)).take(), release: release))
            return .success(strategy)
        } catch {
            return .failure(StrategyError(.load, error.message, strategyID: id, traceback: error.traceback))
        }
    }

    static func loadMessage(_ f: PythonFailure) -> String {
        switch f.kind {
        case .syntax: return "\(f.typeName): \(f.message)"
        case .loadProblem: return f.message
        default: return "importing the strategy raised \(f.typeName): \(f.message)"
        }
    }

    /// Runs a loaded strategy once on a frame under its limits.
    func invoke(_ strategy: Strategy, frame: CandleFrame, context: StrategyCallContext) async throws(StrategyError) -> StrategyOutcome {
        try await call(spin: thread.callerSpin(expecting: strategy.typicalNanos)) { [self] (py, once: ResumeOnce<StrategyOutcome>) in
            let result = invokeNow(strategy, frame: frame, context: context, py) { once.resume(.failure($0)) }
            if let result { once.resume(result) }
        }
    }

    /// `invoke`'s work, on this interpreter's thread with the GIL held. Nil when the watchdog
    /// abandoned the call: the strategy is then quarantined and `onAbandon` received the error,
    /// from the watchdog's thread.
    func invokeNow(_ strategy: Strategy, frame: CandleFrame, context: StrategyCallContext, _ py: PythonContext,
                   onAbandon: @escaping @Sendable (StrategyError) -> Void) -> Result<StrategyOutcome, StrategyError>? {
        let w = frame.window
        let view: PyRef
        do throws(PythonFailure) {
            view = try frame.view(in: self, py)
        } catch {
            return .failure(StrategyError(.exception, "host failure: \(error.message)", strategyID: strategy.id, traceback: error.traceback))
        }
        let call = GuardedCall(data: view.ptr, symbol: w.symbol, timeframe: w.timeframe, timeMs: w.times[w.count - 1])
        guard let raw = guardedNow(strategy, call, context: context, py, onAbandon: onAbandon) else { return nil }
        return raw.flatMap { outcome(py, $0.value.ptr, report: $0.report, strategy: strategy, close: w.close[w.count - 1],
                                     symbol: w.symbol, context: context) }
    }

    /// A successful `invoke` tuple (ok, value, state, stdout, stderr, total) and what the limits saw.
    final class InvokeResult {
        let value: PyRef
        let report: LimitReport
        init(_ value: consuming PyRef, _ report: LimitReport) {
            self.value = value
            self.report = report
        }
    }

    /// One call through the host's `invoke` (capture, ctx, state round trip): `main` by default,
    /// or another callable (the backtest's whole-history steps) with its own timeout.
    struct GuardedCall {
        var function: PyPtr? = nil
        var takesContext: Bool? = nil
        /// Borrowed: the caller keeps it alive for the call.
        var data: PyPtr
        var symbol: String
        var timeframe: String
        var timeMs: Int64
        var timeout: Duration? = nil
    }

    /// Runs `call` under the strategy's limits. GIL held. Success is the `invoke` tuple of a call
    /// that returned normally within every limit; failure the typed error with the output
    /// captured; nil when the watchdog abandoned the call (see `invokeNow`).
    func guardedNow(_ strategy: Strategy, _ call: GuardedCall, context: StrategyCallContext, _ py: PythonContext,
                    onAbandon: @escaping @Sendable (StrategyError) -> Void) -> Result<InvokeResult, StrategyError>? {
        let id = strategy.id, limits = strategy.limits, timeout = call.timeout ?? limits.timeout
        do throws(PythonFailure) {
            let takesContext = call.takesContext ?? strategy.takesContext
            let args = try py.newTuple([
                PyRef(borrowing: call.function ?? strategy.main.pointer).take(), try py.newInt(takesContext ? 2 : 1).take(),
                PyRef(borrowing: call.data).take(), try py.newString(call.symbol).take(), try py.newString(call.timeframe).take(),
                try py.check(PyLong_FromLongLong(call.timeMs)).take(),
                try py.newString(context.paramsJSON).take(), try py.newString(context.stateJSON).take(),
                try py.newInt(limits.outputBytes).take(), try py.newInt(limits.recursionLimit).take(),
                try py.optionalString(context.accountJSON).take(), try py.optionalString(context.rulesJSON).take(),
            ])
            let (raw, report) = withLimits(py, limits: limits, timeout: timeout, strategyID: id, onAbandon: {
                let err = Interpreter.quarantineError(id, timeout: timeout, grace: limits.grace)
                strategy.markQuarantined(err.message)
                onAbandon(err)
            }) { PyObject_Call(py.invokeFn, args.ptr, nil) }
            if report.abandoned { Py_DecRef(raw); return nil }
            guard let raw else {
                let f = py.fetchFailure()
                var err = limitError(report, limits: limits, timeout: timeout, strategyID: id)
                    ?? StrategyError(.exception, "\(f.typeName): \(f.message)", strategyID: id, traceback: f.traceback)
                err.traceback = err.traceback ?? f.traceback
                return .failure(err)
            }
            let result = PyRef(owning: raw)
            strategy.record(nanos: report.nanos)
            if let err = failure(py, result.ptr, report: report, strategy: strategy, timeout: timeout) { return .failure(err) }
            return .success(InvokeResult(result, report))
        } catch {
            return .failure(StrategyError(.exception, "host failure: \(error.message)", strategyID: id,
                                          traceback: error.traceback))
        }
    }

    /// The error of an `invoke` tuple whose call broke a limit or raised, with its output; nil when it succeeded. GIL held.
    private func failure(_ py: PythonContext, _ result: PyPtr, report: LimitReport, strategy: Strategy,
                         timeout: Duration) -> StrategyError? {
        let id = strategy.id, limits = strategy.limits
        let out = CapturedOutput(py, result, first: 3, limit: limits.outputBytes)
        func fail(_ e: StrategyError) -> StrategyError {
            var e = e
            out.attach(to: &e)
            return e
        }
        let ok = PyObject_IsTrue(tc_tuple_item(result, 0)) == 1
        let value = tc_tuple_item(result, 1)
        if var err = limitError(report, limits: limits, timeout: timeout, strategyID: id) {
            if !ok { err.traceback = py.describe(exception: value).traceback }
            return fail(err)
        }
        guard !ok else { return nil }
        // A timeout is what the watchdog recorded (handled above), never an exception's class: a
        // strategy raising StrategyTimeout itself gets `exception` like any other.
        let f = py.describe(exception: value)
        switch f.kind {
        case .memory:
            return fail(StrategyError(.memory, "MemoryError: \(f.message)", strategyID: id, traceback: f.traceback))
        case .state:
            return fail(StrategyError(.invalidState, f.message, strategyID: id, traceback: f.traceback))
        case .contract:
            return fail(StrategyError(.invalidSignal, f.message, strategyID: id, traceback: f.traceback, field: "signals"))
        case .exit:
            return fail(StrategyError(.exception, "the strategy called sys.exit(\(f.message))", strategyID: id, traceback: f.traceback))
        default:
            return fail(StrategyError(.exception, "\(f.typeName): \(f.message)", strategyID: id, traceback: f.traceback))
        }
    }

    /// Turns a successful `invoke` tuple into an outcome, or an error for its return value or state. GIL held.
    func outcome(_ py: PythonContext, _ result: PyPtr, report: LimitReport, strategy: Strategy,
                 close: Double, symbol: String, context: StrategyCallContext) -> Result<StrategyOutcome, StrategyError> {
        let id = strategy.id, limits = strategy.limits
        let out = CapturedOutput(py, result, first: 3, limit: limits.outputBytes)
        func fail(_ e: StrategyError) -> Result<StrategyOutcome, StrategyError> {
            var e = e
            out.attach(to: &e)
            return .failure(e)
        }
        let parsed: SignalParser.Parsed
        do {
            parsed = try SignalParser.parse(py, tc_tuple_item(result, 1), close: close, symbol: symbol, strategyID: id)
        } catch {
            return fail(error)
        }
        var state = context.stateJSON
        let stateObj = tc_tuple_item(result, 2)
        if let s = py.string(stateObj) {
            if s.utf8.count > limits.stateBytes {
                return fail(StrategyError(.stateTooLarge, "ctx.state is \(s.utf8.count) bytes as JSON; the cap is \(limits.stateBytes)",
                                          strategyID: id))
            }
            state = s
        }
        return .success(StrategyOutcome(signals: parsed.signals, intents: parsed.intents, stateJSON: state, stdout: out.stdout,
                                        stderr: out.stderr, outputTruncated: out.truncated, strategyNanos: report.nanos))
    }
}

/// stdout/stderr read from a result tuple: (…, stdout, stderr, total written).
struct CapturedOutput {
    let stdout: String
    let stderr: String
    let truncated: Bool

    init(_ py: PythonContext, _ tuple: PyPtr, first: Int, limit: Int) {
        stdout = py.string(tc_tuple_item(tuple, first)) ?? ""
        stderr = py.string(tc_tuple_item(tuple, first + 1)) ?? ""
        let total = PyLong_AsLong(tc_tuple_item(tuple, first + 2))
        truncated = total > stdout.count + stderr.count
    }

    func attach(to error: inout StrategyError) {
        error.stdout = stdout
        error.stderr = stderr
    }
}
