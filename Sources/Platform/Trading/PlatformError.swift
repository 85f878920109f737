/// Every error the Platform reports: a code for programs and a message for people.
public struct PlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A request or a setting is invalid (the message names the field).
        case invalidInput = "invalid-input"
        /// A row does not exist, or does not belong to the user asking.
        case notFound = "not-found"
        /// The execution key was already executed (the database fence held).
        case duplicateExecution = "duplicate-execution"
        /// The database refused an operation.
        case storage
        /// A lock backend is unreachable; no new execution is taken.
        case lockUnavailable = "lock-unavailable"
        /// The request clashes with what is stored (a taken email, a second subscription).
        case conflict
        /// The row exists and is public, but only its owner may change it.
        case forbidden
        /// The user already holds as many of something (strategies, symbols, subscriptions) as
        /// their quota allows (the message names the limit, `field` the input).
        case quotaExceeded = "quota-exceeded"
        /// A backtest found a strategy looking ahead: a column differs between the whole history
        /// and the history cut at a candle (`field` names the column, the message the candle and
        /// both values).
        case lookAhead = "look-ahead"
        /// A strategy's whole-history step (prepare or signals in a backtest) failed; the message
        /// carries the strategy's error code, message and traceback.
        case strategyFailed = "strategy-failed"
        /// What was asked for is not offered yet by this build or backend (the message names it,
        /// e.g. a command that needs an aggregate PostgreSQL does not hold yet).
        case unsupported
    }

    public var code: Code
    public var message: String
    /// The input field at fault, for `invalidInput` and `conflict`.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
