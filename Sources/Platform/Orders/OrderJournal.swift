import StrategyRuntime

/// One fill of an order (or a liquidation), in the order it happened.
public struct Fill: Sendable, Equatable {
    /// The order filled; 0 for a liquidation.
    public var orderID: Int64
    /// The order's tag; "liquidation" for a liquidation.
    public var tag: OrderTag
    public var side: OrderSide
    public var price: Double
    public var quantity: Double
    /// In quote. A liquidation's fee is the rest of the isolated margin (Binance's clearance fee).
    public var fee: Double
    /// The open time of the candle it happened in (for a market order: the candle at whose close
    /// it was placed).
    public var time: Int64
    public var liquidation: Bool
    /// A limit order's fill pays the maker fee; market, stop and liquidation fills are takers.
    public var maker: Bool
    /// Profit or loss it realised (closing part, before fees).
    public var realisedPnl: Double
    /// Futures: the signed position after it; spot: the base held after it.
    public var positionAfter: Double
    public var purpose: OrderPurpose

    public init(orderID: Int64, tag: OrderTag, side: OrderSide, price: Double, quantity: Double, fee: Double, time: Int64,
                liquidation: Bool, maker: Bool, realisedPnl: Double, positionAfter: Double, purpose: OrderPurpose) {
        self.orderID = orderID
        self.tag = tag
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.time = time
        self.liquidation = liquidation
        self.maker = maker
        self.realisedPnl = realisedPnl
        self.positionAfter = positionAfter
        self.purpose = purpose
    }
}

/// A placement or cancel the account refused: what `ctx.account` lists as `rejected`.
public struct Rejection: Sendable, Equatable {
    public var tag: OrderTag
    public var reason: OrderReason
    public var time: Int64

    public init(tag: OrderTag, reason: OrderReason, time: Int64) {
        self.tag = tag
        self.reason = reason
        self.time = time
    }
}

/// What the engine decided, appended in order: fills, every order's state transitions, the
/// orders that reached a terminal state (and so left the book), and refused intents.
///
/// One journal may collect the output of many accounts and calls (the fan-out keeps one per
/// execution and notes where each subscriber's part starts); it is never read by the engine.
public struct OrderJournal: Sendable, Equatable {
    public var fills: [Fill] = []
    public var transitions: [OrderTransition] = []
    /// Orders as they left the book: filled, cancelled, rejected or expired.
    public var closed: [Order] = []
    public var rejections: [Rejection] = []

    public init() {}

    /// Empties it, keeping its storage for the next use.
    public mutating func removeAll() {
        fills.removeAll(keepingCapacity: true)
        transitions.removeAll(keepingCapacity: true)
        closed.removeAll(keepingCapacity: true)
        rejections.removeAll(keepingCapacity: true)
    }

    /// The place in each list where output appended from now on starts.
    public var mark: Mark { Mark(fills: fills.count, transitions: transitions.count, closed: closed.count, rejections: rejections.count) }

    /// Positions in an `OrderJournal`'s lists.
    public struct Mark: Sendable, Equatable {
        public var fills, transitions, closed, rejections: Int
    }

    mutating func transition(_ order: Order, from: OrderState?) {
        transitions.append(OrderTransition(orderID: order.id, tag: order.tag, from: from, to: order.state,
                                           time: order.updatedAt, reason: order.reason))
    }
}
