/// Per-call limits of a strategy. The defaults suit a pandas strategy on a few hundred candles.
public struct StrategyLimits: Sendable, Equatable {
    /// Wall-clock time a call may take before the watchdog stops it.
    public var timeout: Duration = .seconds(2)
    /// Wall-clock time the module import at load may take.
    public var loadTimeout: Duration = .seconds(10)
    /// After the timeout fires, how long the strategy has to stop before it is quarantined.
    public var grace: Duration = .milliseconds(500)
    /// Net bytes a call may allocate (Python objects and numpy array data).
    public var memoryBytes: Int = 512 << 20
    /// Characters of stdout and of stderr kept per call; the rest is counted and dropped.
    public var outputBytes: Int = 64 << 10
    /// Python's recursion limit during the call.
    public var recursionLimit: Int = 1000
    /// Largest serialised `ctx.state`.
    public var stateBytes: Int = 64 << 10

    public init() {}
}
