/// Which of the contract's functions a strategy defines (DESIGN.md, README "Fast backtests").
public enum StrategyContract: String, Sendable, Codable, CaseIterable {
    /// `main(data)` or `main(data, ctx)` alone: called once per candle, live and in backtests.
    case main
    /// `prepare(data, ctx)` adds indicator columns, `main` reads them: live, prepare runs on each
    /// window before main; a backtest prepares the whole history once and calls main on views of it.
    case prepareMain = "prepare+main"
    /// `signals(data, ctx)` returns a column of actions: live, its last row is the candle's signal;
    /// a backtest evaluates it once over the whole history and makes no call per candle.
    case signals
    /// `prepare` then `signals`.
    case prepareSignals = "prepare+signals"

    /// Whether a backtest can prepare (and evaluate signals over) the whole history at once.
    public var isVectorised: Bool { self != .main }
    /// Whether the strategy is called once per candle in a backtest.
    public var callsMain: Bool { self == .main || self == .prepareMain }
}
