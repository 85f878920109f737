/// The per-call `ctx` a strategy receives, besides the candles.
public struct StrategyCallContext: Sendable, Equatable {
    /// Strategy-version parameters, as a JSON object.
    public var paramsJSON: String
    /// The persisted `ctx.state`, as a JSON object.
    public var stateJSON: String
    /// `ctx.account`: the strategy's reference account (ORDERS.md), as JSON; nil gives None.
    public var accountJSON: String?
    /// `ctx.rules`: the symbol's trading rules, as JSON; nil gives None.
    public var rulesJSON: String?

    public init(paramsJSON: String = "{}", stateJSON: String = "{}", accountJSON: String? = nil, rulesJSON: String? = nil) {
        self.paramsJSON = paramsJSON
        self.stateJSON = stateJSON
        self.accountJSON = accountJSON
        self.rulesJSON = rulesJSON
    }
}

/// What one successful call produced.
public struct StrategyOutcome: Sendable, Equatable {
    /// The validated signals; empty means HOLD.
    public var signals: [Signal]
    /// The validated order intents (ORDERS.md), in the order returned.
    public var intents: [OrderIntent] = []
    /// `ctx.state` after the call, as JSON (unchanged input for a one-argument `main`).
    public var stateJSON: String
    public var stdout: String
    public var stderr: String
    /// True when output passed the cap and was cut.
    public var outputTruncated: Bool
    /// Time spent inside the strategy call on the interpreter thread, in nanoseconds.
    public var strategyNanos: UInt64
}

