import Synchronization

/// A loaded strategy version, ready to be called on candle frames.
public final class Strategy: Sendable {
    public let id: String
    public let version: Int
    public let isolation: IsolationLevel
    public let limits: StrategyLimits
    /// Whether `main` takes `ctx` as its second argument.
    public let takesContext: Bool
    let interpreter: Interpreter
    let main: PyHandle
    let module: PyHandle
    private let quarantine = Mutex<String?>(nil)

    init(id: String, version: Int, isolation: IsolationLevel, limits: StrategyLimits, takesContext: Bool,
         interpreter: Interpreter, main: PyHandle, module: PyHandle) {
        self.id = id
        self.version = version
        self.isolation = isolation
        self.limits = limits
        self.takesContext = takesContext
        self.interpreter = interpreter
        self.main = main
        self.module = module
    }

    /// Why the strategy is quarantined, or nil. A quarantined strategy is never called again.
    public var quarantineReason: String? { quarantine.withLock { $0 } }

    func markQuarantined(_ reason: String) { quarantine.withLock { $0 = $0 ?? reason } }
}
