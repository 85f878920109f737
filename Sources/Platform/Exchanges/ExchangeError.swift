/// Every error an exchange connector reports: a code for programs, the exchange's own code and
/// message when it sent one, and whether the request may have been executed.
///
/// Like GRDB's `DatabaseError`, the description never carries what was sent: no API key, secret,
/// signature, query string, quantity or price. The exchange's message is kept (it is the
/// exchange's text about the request, e.g. "Filter failure: LOT_SIZE").
public struct ExchangeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for programs.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Kind: String, Sendable {
            case badCredentials = "bad-credentials"
            case timestampRejected = "timestamp-rejected"
            case filterFailure = "filter-failure"
            case insufficientBalance = "insufficient-balance"
            case duplicateOrder = "duplicate-order"
            case orderNotFound = "order-not-found"
            case cancelRejected = "cancel-rejected"
            case rateLimited = "rate-limited"
            case banned
            case unknownOutcome = "unknown-outcome"
            case unreachable
            case malformedResponse = "malformed-response"
            case unsupported
            case invalidInput = "invalid-input"
            case rejected
        }

        let kind: Kind

        /// The API key or secret was refused (Binance -1022, -2014, -2015; HTTP 401).
        public static let badCredentials = Code(kind: .badCredentials)
        /// The timestamp fell outside recvWindow or ran ahead of the server (Binance -1021).
        public static let timestampRejected = Code(kind: .timestampRejected)
        /// The order broke a symbol rule: tick, lot, minimum quantity or notional (Binance -1013,
        /// -4164; CoinDCX's minimum order value).
        public static let filterFailure = Code(kind: .filterFailure)
        /// The account cannot cover the order (Binance -2010 / -2019; CoinDCX 422).
        public static let insufficientBalance = Code(kind: .insufficientBalance)
        /// An open order already carries this client order id (Binance -2010 "Duplicate order sent.").
        public static let duplicateOrder = Code(kind: .duplicateOrder)
        /// No such order (Binance -2013; CoinDCX 404).
        public static let orderNotFound = Code(kind: .orderNotFound)
        /// The order cannot be cancelled, usually because it already left the book (Binance -2011).
        public static let cancelRejected = Code(kind: .cancelRejected)
        /// HTTP 429: the request was refused, nothing executed; `retryAfterMs` says how long to wait.
        public static let rateLimited = Code(kind: .rateLimited)
        /// HTTP 418: the IP is banned for `retryAfterMs`.
        public static let banned = Code(kind: .banned)
        /// A timeout, a 5xx or a dropped connection after the request was sent: it may have been
        /// executed. Query before sending it again.
        public static let unknownOutcome = Code(kind: .unknownOutcome)
        /// The request never left (connection refused, name not resolved): nothing executed.
        public static let unreachable = Code(kind: .unreachable)
        /// The exchange answered something this connector cannot read.
        public static let malformedResponse = Code(kind: .malformedResponse)
        /// The exchange has no such operation (e.g. stop-market orders on CoinDCX spot).
        public static let unsupported = Code(kind: .unsupported)
        /// The caller asked for something invalid (unknown symbol, bad option).
        public static let invalidInput = Code(kind: .invalidInput)
        /// Any other refusal by the exchange (4xx with a code this connector does not map).
        public static let rejected = Code(kind: .rejected)

        public var description: String { kind.rawValue }
    }

    public var code: Code
    /// The exchange's error code (Binance's negative codes; CoinDCX's HTTP-like codes), if any.
    public var exchangeCode: Int?
    /// The exchange's message, if any.
    public var exchangeMessage: String?
    /// HTTP status, when there was a response.
    public var status: Int?
    /// Milliseconds to wait before the next request (429 and 418, from `Retry-After`).
    public var retryAfterMs: Int64?
    /// Our own explanation, free of credentials and order details.
    public var message: String

    public init(_ code: Code, _ message: String, exchangeCode: Int? = nil, exchangeMessage: String? = nil, status: Int? = nil,
                retryAfterMs: Int64? = nil) {
        self.code = code
        self.message = message
        self.exchangeCode = exchangeCode
        self.exchangeMessage = exchangeMessage
        self.status = status
        self.retryAfterMs = retryAfterMs
    }

    /// Whether the request may have been executed: only an unknown outcome leaves that open.
    public var mayHaveExecuted: Bool { code == .unknownOutcome }

    public var description: String {
        var s = "\(code): \(message)"
        if let c = exchangeCode { s += " (exchange code \(c))" }
        if let m = exchangeMessage { s += ": \(m.prefix(200))" }
        return s
    }
}

extension ExchangeError {
    /// The error as a `PlatformError`, for callers that report in the platform's terms.
    public var platformError: PlatformError {
        switch code {
        case .invalidInput: return PlatformError(.invalidInput, description)
        case .orderNotFound: return PlatformError(.notFound, description)
        default: return PlatformError(.conflict, description)
        }
    }
}
