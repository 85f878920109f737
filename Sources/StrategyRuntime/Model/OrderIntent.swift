/// Buy or sell.
public enum OrderSide: String, Sendable, Codable, CaseIterable {
    case buy, sell

    /// +1 for a buy, −1 for a sell.
    @inlinable public var sign: Double { self == .buy ? 1 : -1 }
    /// The other side.
    @inlinable public var opposite: OrderSide { self == .buy ? .sell : .buy }
}

/// The order types of ORDERS.md (all good-till-cancelled).
public enum OrderType: String, Sendable, Codable, CaseIterable {
    /// Fills at placement, at the candle's close ± slippage (taker).
    case market
    /// Rests at `price`; fills when the candle path reaches it (maker).
    case limit
    /// Stop-market: rests until the path crosses `stopPrice`, then fills there ± slippage (taker).
    case stop
}

/// What a strategy's order intent asks for (the contract of ORDERS.md): place an order, cancel
/// one by tag, or cancel every open order.
///
/// The runtime validates a strategy's returned dicts into these (`invalid-signal` errors naming
/// the field otherwise); the platform's paper exchange places them.
public enum OrderIntent: Sendable, Equatable {
    case place(OrderRequest)
    case cancel(tag: OrderTag)
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
    public var tag: OrderTag
    public var reduceOnly: Bool

    public init(side: OrderSide, type: OrderType, amount: Amount, price: Double? = nil, stopPrice: Double? = nil,
                tag: OrderTag, reduceOnly: Bool = false) {
        self.side = side
        self.type = type
        self.amount = amount
        self.price = price
        self.stopPrice = stopPrice
        self.tag = tag
        self.reduceOnly = reduceOnly
    }

    /// A market order.
    public static func market(_ side: OrderSide, _ amount: Amount, tag: OrderTag, reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .market, amount: amount, tag: tag, reduceOnly: reduceOnly)
    }

    /// A limit order at `price`.
    public static func limit(_ side: OrderSide, _ amount: Amount, at price: Double, tag: OrderTag,
                             reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .limit, amount: amount, price: price, tag: tag, reduceOnly: reduceOnly)
    }

    /// A stop-market order triggered at `stopPrice`.
    public static func stop(_ side: OrderSide, _ amount: Amount, at stopPrice: Double, tag: OrderTag,
                            reduceOnly: Bool = false) -> OrderRequest {
        OrderRequest(side: side, type: .stop, amount: amount, stopPrice: stopPrice, tag: tag, reduceOnly: reduceOnly)
    }
}
