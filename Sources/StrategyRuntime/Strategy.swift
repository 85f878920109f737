import Synchronization

/// A loaded strategy version, ready to be called on candle frames.
public final class Strategy: Sendable {
    public let id: String
    public let version: Int
    public let isolation: IsolationLevel
    public let limits: StrategyLimits
    /// Whether `main` takes `ctx` as its second argument.
    public let takesContext: Bool
    /// Which of main, prepare and signals the strategy defines. `.main` at level `process`, whose
    /// worker does not report it (it still runs prepare and signals live, per window).
    public let contract: StrategyContract
    /// In-process strategies: their interpreter and Python objects. Nil at level `process`.
    let interpreter: Interpreter!
    let main: PyHandle!
    let module: PyHandle!
    /// `process`-level strategies: the worker and the handle it gave.
    let remote: RemoteStrategy?
    private let quarantine = Mutex<String?>(nil)
    private let typical = Atomic<UInt64>(0)
    private let crashes = Atomic<Int>(0)
    /// A `process`-level strategy whose worker died this many times during its calls is quarantined.
    static let crashLimit = 3

    /// Counts a crash of this strategy's worker during its call; quarantines it at the limit.
    ///
    /// - Returns: whether this crash quarantined it.
    @discardableResult
    func recordCrash() -> Bool {
        guard crashes.add(1, ordering: .relaxed).newValue == Self.crashLimit else { return false }
        markQuarantined("its worker process crashed \(Self.crashLimit) times during its calls")
        return true
    }

    init(id: String, version: Int, isolation: IsolationLevel, limits: StrategyLimits, takesContext: Bool,
         contract: StrategyContract = .main, interpreter: Interpreter, main: PyHandle, module: PyHandle) {
        self.id = id
        self.contract = contract
        self.version = version
        self.isolation = isolation
        self.limits = limits
        self.takesContext = takesContext
        self.interpreter = interpreter
        self.main = main
        self.module = module
        self.remote = nil
    }

    init(id: String, version: Int, limits: StrategyLimits, takesContext: Bool, remote: RemoteStrategy) {
        self.id = id
        self.contract = .main
        self.version = version
        self.isolation = .process
        self.limits = limits
        self.takesContext = takesContext
        self.interpreter = nil
        self.main = nil
        self.module = nil
        self.remote = remote
    }

    /// The pid of the worker process serving a `process`-level strategy (nil before it starts,
    /// and at the in-process levels).
    public var workerPID: Int32? { remote?.worker.pid }

    /// The kernel confinement of that worker, as it reported it (nil before it starts, and at the
    /// in-process levels).
    public var workerSandbox: SandboxReport? { remote?.worker.sandboxReport }

    /// Why the strategy is quarantined, or nil. A quarantined strategy is never called again.
    public var quarantineReason: String? { quarantine.withLock { $0 } }

    /// A moving average of this strategy's call durations, in nanoseconds (0 before the first call).
    var typicalNanos: UInt64 { typical.load(ordering: .relaxed) }

    func record(nanos: UInt64) {
        let old = typical.load(ordering: .relaxed)
        typical.store(old == 0 ? nanos : (old * 7 + nanos) / 8, ordering: .relaxed)
    }

    func markQuarantined(_ reason: String) { quarantine.withLock { $0 = $0 ?? reason } }
}
