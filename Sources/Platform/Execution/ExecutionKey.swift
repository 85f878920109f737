import StrategyRuntime

/// (strategy version, symbol, timeframe, candle open time): what runs exactly once.
public struct ExecutionKey: Sendable, Hashable, CustomStringConvertible {
    public var versionID: Int64
    public var symbol: String
    public var timeframe: String
    public var candleTime: Int64

    public init(versionID: Int64, symbol: String, timeframe: String, candleTime: Int64) {
        self.versionID = versionID
        self.symbol = symbol
        self.timeframe = timeframe
        self.candleTime = candleTime
    }

    public var description: String { "exec:\(versionID):\(symbol):\(timeframe):\(candleTime)" }
}

/// How one execution ended.
public struct ExecutionReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Ran and committed; `status` is ok or the strategy's error code.
        case committed(status: String)
        /// Another worker holds the lock.
        case busy
        /// The key was already executed (found before running, or refused by the database).
        case alreadyExecuted
    }

    public var key: ExecutionKey
    public var outcome: Outcome
    public var signals: [Signal] = []
    /// The order intents the reference account accepted (every subscriber mirrored them).
    public var intents: [OrderIntent] = []
    /// Fills and refused orders over every subscriber.
    public var ordersFilled = 0
    public var ordersSkipped = 0
    public var executionID: Int64?
    /// Time inside the strategy's own Python call, in nanoseconds (0 when it failed).
    public var pythonNanos: UInt64 = 0
    /// Microseconds spent in each phase.
    public var lockMicros = 0, dataMicros = 0, strategyMicros = 0, fanoutMicros = 0, commitMicros = 0
    /// Microseconds spent expanding the fan-out journal after the commit (`Coordinator.Projection.afterEachCommit`).
    public var projectMicros = 0
    /// Why that expansion failed, if it did: the execution is committed all the same and its
    /// journal entry is expanded by the next `projectFanouts`.
    public var projectionError: PlatformError?
    /// What the live subscribers' exchanges answered (nil without a `LiveDispatch`).
    public var live: LiveDispatch.Summary?
}
