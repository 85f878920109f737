import StrategyRuntime

/// One subscriber's order of one execution, to place on the subscriber's exchange.
public struct LivePlacement: Sendable, Equatable {
    public var subscriptionID: Int64
    public var userID: Int64
    /// The subscription's sealed credential (its exchange decides where the order goes).
    public var credentialID: String
    public var symbol: String
    /// The engine's order in the subscriber's account (side, type, rounded quantity and prices).
    public var order: Order
    /// `ClientOrderID.derive(key:subscriptionID:leg: order.id)`.
    public var clientID: String

    public init(key: ExecutionKey, subscriptionID: Int64, userID: Int64, credentialID: String, order: Order) {
        self.subscriptionID = subscriptionID
        self.userID = userID
        self.credentialID = credentialID
        symbol = key.symbol
        self.order = order
        clientID = ClientOrderID.derive(key: key, subscriptionID: subscriptionID, leg: order.id)
    }

    public var request: LiveOrderRequest { LiveOrderRequest(order, symbol: symbol, clientID: clientID) }
}

/// One subscriber's cancel of one of its live orders (by the client id recorded when it was placed).
public struct LiveCancel: Sendable, Equatable {
    public var subscriptionID: Int64
    public var userID: Int64
    public var credentialID: String
    public var symbol: String
    public var clientID: String

    public init(subscriptionID: Int64, userID: Int64, credentialID: String, symbol: String, clientID: String) {
        self.subscriptionID = subscriptionID
        self.userID = userID
        self.credentialID = credentialID
        self.symbol = symbol
        self.clientID = clientID
    }
}

/// What happened to one placement or cancel.
public enum LiveOutcome: Sendable, Equatable {
    /// The exchange accepted it now (placed, or cancelled): its report.
    case done(ExchangeOrder)
    /// An earlier attempt had already done it (after a timeout, a 5xx, a duplicate, or on
    /// resume after a crash): the exchange's report of that order. Nothing was placed twice.
    case found(ExchangeOrder)
    /// The exchange refused it (filter failure, insufficient balance, unsupported type, …):
    /// record it as rejected for this subscriber, with the exchange's message.
    case rejected(ExchangeError)
    /// It could not be done (credentials refused, exchange unreachable, banned, attempts used
    /// up). When `error.mayHaveExecuted`, the order may exist: start-up reconciliation settles it.
    case failed(ExchangeError)

    /// The exchange's report, when there is one.
    public var order: ExchangeOrder? {
        switch self {
        case .done(let o), .found(let o): return o
        default: return nil
        }
    }

    /// The error, when there is one.
    public var error: ExchangeError? {
        switch self {
        case .rejected(let e), .failed(let e): return e
        default: return nil
        }
    }
}

/// The outcome of one placement or cancel, with the connector's own time spent on it.
public struct LiveResult: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case placement, cancel }

    public var kind: Kind
    /// Index into the placements (or cancels) given.
    public var index: Int
    public var subscriptionID: Int64
    public var clientID: String
    public var outcome: LiveOutcome
    /// Requests sent for it (placing, querying, retrying).
    public var requests: Int
    /// Nanoseconds of signing, encoding and decoding (network and exchange time excluded).
    public var localNanos: UInt64
}

extension ExchangeError {
    /// The engine's reason for an order the exchange refused.
    public var orderReason: OrderReason {
        let m = exchangeMessage ?? ""
        switch code {
        case .insufficientBalance: return .insufficientBalance
        case .duplicateOrder: return .duplicateTag
        case .filterFailure:
            if m.contains("PRICE_FILTER") || m.contains("PERCENT_PRICE") || m.lowercased().contains("price") { return .invalidPrice }
            if m.contains("NOTIONAL") || m.lowercased().contains("notional") || m.lowercased().contains("order value") { return .belowMinNotional }
            if m.contains("LOT_SIZE") && m.lowercased().contains("min") { return .belowMinQuantity }
            return .invalidQuantity
        default: return .exchange
        }
    }
}
