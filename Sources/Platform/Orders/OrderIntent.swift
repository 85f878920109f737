/// What a strategy's order intent asks for (the contract of ORDERS.md): place an order, cancel
/// one by tag, or cancel every open order.
///
/// A plain value with no dependency on the rest of the platform, so the runtime's validation of
/// the returned dicts can produce it wherever it ends up living.
public enum OrderIntent: Sendable, Equatable {
    case place(OrderRequest)
    case cancel(tag: String)
    case cancelAll
}

/// An order a strategy wants placed, before rounding and checks.
public struct OrderRequest: Sendable, Equatable {
    /// Base units, or a quote amount converted at the order's price (the close for market orders).
    public enum Amount: Sendable, Equatable {
        case quantity(Double)
        case quote(Double)

        /// The same amount times `ratio` (mirroring by capital).
        @inlinable public func scaled(by ratio: Double) -> Amount {
            switch self {
            case .quantity(let q): return .quantity(q * ratio)
            case .quote(let a): return .quote(a * ratio)
            }
        }
    }

    public var side: OrderSide
    public var type: OrderType
    public var amount: Amount
    /// Required for limit orders, ignored otherwise.
    public var price: Double?
    /// Required for stop orders, ignored otherwise.
    public var stopPrice: Double?
    public var tag: String
    public var reduceOnly: Bool

    public init(side: OrderSide, type: OrderType, amount: Amount, price: Double? = nil, stopPrice: Double? = nil,
                tag: String, reduceOnly: Bool = false) {
        self.side = side
        self.type = type
        self.amount = amount
        self.price = price
        self.stopPrice = stopPrice
        self.tag = tag
        self.reduceOnly = reduceOnly
    }

    /// A market order.
    public static func market(_ side: OrderSide, _ amount: Amount, tag: String, reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .market, amount: amount, tag: tag, reduceOnly: reduceOnly)
    }

    /// A limit order at `price`.
    public static func limit(_ side: OrderSide, _ amount: Amount, at price: Double, tag: String,
                             reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .limit, amount: amount, price: price, tag: tag, reduceOnly: reduceOnly)
    }

    /// A stop-market order triggered at `stopPrice`.
    public static func stop(_ side: OrderSide, _ amount: Amount, at stopPrice: Double, tag: String,
                            reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .stop, amount: amount, stopPrice: stopPrice, tag: tag, reduceOnly: reduceOnly)
    }

    /// Whether `tag` is 1–36 characters of `[A-Za-z0-9_.:-]` (the contract's tags).
    public static func isValidTag(_ tag: String) -> Bool {
        var count = 0
        for byte in tag.utf8 {
            count += 1
            guard count <= 36 else { return false }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: ":"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return count > 0
    }
}
