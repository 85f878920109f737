/// The one error type of StrategyRuntime.
///
/// `code` says what went wrong; the Python traceback, the strategy id and, for invalid signals, the
/// offending field travel with it. `description` never includes captured output or state.
public struct StrategyError: Error, Sendable, Equatable, CustomStringConvertible {
    // Captured output is kept out of `description`, like bound values in GRDB's DatabaseError.
    /// What kind of failure this is. New codes may be added later.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Raw: String, Sendable {
            case load, timeout, memory, sandbox, exception, invalidSignal = "invalid-signal"
            case stateTooLarge = "state-too-large", invalidState = "invalid-state", quarantined, unavailable, invalidInput = "invalid-input"
            case unsupported, crashed, workerRestarted = "worker-restarted"
        }
        private let raw: Raw
        private init(_ raw: Raw) { self.raw = raw }

        /// The source did not compile, has no usable `main`, or its import failed or broke a limit.
        public static let load = Code(.load)
        /// The call ran past its wall-clock timeout and was stopped.
        public static let timeout = Code(.timeout)
        /// The call passed its memory budget.
        public static let memory = Code(.memory)
        /// The call tried something the sandbox policy forbids.
        public static let sandbox = Code(.sandbox)
        /// The strategy raised an exception (including `sys.exit`).
        public static let exception = Code(.exception)
        /// The strategy returned something that is not a valid signal; `field` names the culprit.
        public static let invalidSignal = Code(.invalidSignal)
        /// The serialised `ctx.state` is larger than the cap.
        public static let stateTooLarge = Code(.stateTooLarge)
        /// `ctx.state` is not a dict of JSON-serialisable values.
        public static let invalidState = Code(.invalidState)
        /// The strategy did not stop within the grace period after its timeout and is quarantined.
        public static let quarantined = Code(.quarantined)
        /// The interpreter is still busy with a quarantined call, or the host is shut down.
        public static let unavailable = Code(.unavailable)
        /// The candles or call arguments were unusable.
        public static let invalidInput = Code(.invalidInput)
        /// The requested isolation level or feature is not available in this build.
        public static let unsupported = Code(.unsupported)

        /// The `process`-level worker running the call died (a segfault, `os._exit`, a kill).
        public static let crashed = Code(.crashed)
        /// The call was on a worker that was killed for another strategy's overrun.
        public static let workerRestarted = Code(.workerRestarted)

        /// The stable kebab-case name, as used in JSON output.
        public var description: String { raw.rawValue }

        /// The code named by `description`, if it is one.
        public init?(description: String) {
            guard let raw = Raw(rawValue: description) else { return nil }
            self.raw = raw
        }
    }

    public var code: Code
    public var message: String
    public var strategyID: String?
    /// The Python traceback, when Python raised.
    public var traceback: String?
    /// For `invalidSignal`: the field at fault, e.g. `stopLoss` or `[1].action`.
    public var field: String?
    /// For `load`: the line of the source at fault, when known.
    public var line: Int?
    /// What the strategy printed before it failed (capped like any call's output).
    public var stdout: String = ""
    public var stderr: String = ""

    public init(_ code: Code, _ message: String, strategyID: String? = nil, traceback: String? = nil,
                field: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.strategyID = strategyID
        self.traceback = traceback
        self.field = field
        self.line = line
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let strategyID { s = "[\(strategyID)] " + s }
        if let line, line > 0 { s += " (line \(line))" }
        return s
    }
}
