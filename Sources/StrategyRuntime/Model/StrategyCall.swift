/// The per-call `ctx` a strategy receives, besides the candles.
public struct StrategyCallContext: Sendable, Equatable {
    /// Strategy-version parameters, as a JSON object.
    public var paramsJSON: String
    /// The persisted `ctx.state`, as a JSON object.
    public var stateJSON: String

    public init(paramsJSON: String = "{}", stateJSON: String = "{}") {
        self.paramsJSON = paramsJSON
        self.stateJSON = stateJSON
    }
}

/// What one successful call produced.
public struct StrategyOutcome: Sendable, Equatable {
    /// The validated signals; empty means HOLD.
    public var signals: [Signal]
    /// `ctx.state` after the call, as JSON (unchanged input for a one-argument `main`).
    public var stateJSON: String
    public var stdout: String
    public var stderr: String
    /// True when output passed the cap and was cut.
    public var outputTruncated: Bool
    /// Time spent inside the strategy call on the interpreter thread, in nanoseconds.
    public var strategyNanos: UInt64
}

