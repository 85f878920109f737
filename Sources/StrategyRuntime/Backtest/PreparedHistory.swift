import CPython

/// A vectorised strategy's whole candle history, prepared once in the main interpreter for one
/// backtest: `prepare(data, ctx)` ran over every candle, and the frame's numeric arrays are
/// read-only. `main` sees window views of it (no copy per candle); `signals` is evaluated over it
/// at once; the look-ahead check re-evaluates both on truncated history.
package final class PreparedHistory: Sendable {
    package let strategy: Strategy
    package let frame: CandleFrame
    /// The prepared frame's columns: the candles' own, then what `prepare` added.
    package let columns: [String]
    /// The host's `Backtest` object.
    let object: PyHandle

    init(strategy: Strategy, frame: CandleFrame, columns: [String], object: PyHandle) {
        self.strategy = strategy
        self.frame = frame
        self.columns = columns
        self.object = object
    }
}

/// What `signals(data, ctx)` gave for every candle of a history.
package struct SignalColumns: Sendable, Equatable {
    /// One per candle; `.hold` where the column had HOLD, None or NaN.
    package var actions: [Signal.Action]
    /// Per candle, nil where the column was NaN or absent.
    package var stopLoss: [Double?]
    package var takeProfit: [Double?]

    /// The candles that carry a BUY, SELL or CLOSE.
    package var signalCandles: [Int] { actions.indices.filter { actions[$0] != .hold } }

    /// The validated signal of candle `i` (nil for HOLD), entered at `close` like main's default.
    ///
    /// - Throws: `StrategyError.invalidSignal` naming the field (a stop or take-profit on the wrong side).
    package func signal(at i: Int, close: Double, symbol: String, strategyID: String) throws(StrategyError) -> Signal? {
        guard actions[i] != .hold else { return nil }
        let s = Signal(action: actions[i], entryPrice: close, stopLoss: stopLoss[i], takeProfit: takeProfit[i], symbol: symbol)
        try s.validate(prefix: "signals[\(i)].", strategyID: strategyID)
        return s
    }
}

/// A column value that differs between the whole history and the history cut at its candle:
/// the strategy looks ahead.
package struct LookAheadFinding: Sendable, Equatable {
    package var column: String
    /// The index in the history of the candle whose value differs.
    package var candle: Int
    /// The last candle of the truncated history (`candle` or a later one).
    package var cut: Int
    /// The value over the whole history (what the backtest would have used), as Python's repr.
    package var wholeHistory: String
    /// The value computed from the candles up to `cut` (what live would have seen then).
    package var truncated: String
}

/// What the per-candle loop of a prepared backtest does after each call of `main`.
package enum WindowStep: Sendable {
    /// Go on; the next call's `ctx.account` (nil for None).
    case next(accountJSON: String?)
    case stop
}

extension StrategyHost {
    /// Runs `prepare` over the whole history (the strategy's candle columns alone when it has no
    /// prepare). Only strategies at level `shared` whose contract is vectorised.
    ///
    /// - Throws: `StrategyError`: `unsupported` for another level or contract; what a call of
    ///   the strategy can throw (`exception`, `timeout`, `memory`, `invalidSignal` for a prepare
    ///   that drops candles…).
    package func prepareHistory(_ strategy: Strategy, frame: CandleFrame,
                                context: StrategyCallContext) async throws(StrategyError) -> PreparedHistory {
        guard strategy.contract.isVectorised, strategy.isolation == .shared, let interp = strategy.interpreter else {
            throw StrategyError(.unsupported, "only a strategy defining prepare or signals, at isolation 'shared', prepares "
                                + "a whole history (this one: \(strategy.contract.rawValue), \(strategy.isolation))", strategyID: strategy.id)
        }
        return try await interp.prepareHistory(strategy, frame: frame, context: context)
    }

    /// Evaluates `signals(data, ctx)` once over the prepared history.
    ///
    /// - Throws: `StrategyError.invalidSignal` when the result is not one action per candle (its
    ///   message names the candle), or what a call can throw.
    package func signalColumns(_ history: PreparedHistory, context: StrategyCallContext) async throws(StrategyError) -> SignalColumns {
        try await history.strategy.interpreter.signalColumns(history, context: context)
    }

    /// Re-evaluates prepare (and signals) on the candles up to `candle` and compares every row up
    /// to it with the whole history's (a causal column does not change when later candles are cut).
    ///
    /// - Returns: the first column that differs, or nil.
    package func lookAhead(_ history: PreparedHistory, at candle: Int,
                           context: StrategyCallContext) async throws(StrategyError) -> LookAheadFinding? {
        try await history.strategy.interpreter.lookAhead(history, at: candle, context: context)
    }

    /// Calls `main` on the window of each candle in `candles`, a view of the prepared history
    /// of `lookback` rows ending at it, on the interpreter's thread without a hop per candle.
    /// `step` runs there after each call, with the outcome or the call's error; `ctx.state`
    /// carries from call to call.
    ///
    /// - Throws: `StrategyError.quarantined` when a call did not stop after its timeout.
    package func runWindows(_ history: PreparedHistory, candles: Range<Int>, lookback: Int, context: StrategyCallContext,
                            step: @escaping @Sendable (Int, Result<StrategyOutcome, StrategyError>) -> WindowStep) async throws(StrategyError) {
        guard history.strategy.contract.callsMain else {
            throw StrategyError(.unsupported, "the strategy defines signals, not main", strategyID: history.strategy.id)
        }
        try await history.strategy.interpreter.runWindows(history, candles: candles, lookback: lookback, context: context, step: step)
    }
}
