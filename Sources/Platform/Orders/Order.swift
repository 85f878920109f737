import StrategyRuntime

/// Where an order is in its life: new → (partially-filled) → filled | cancelled | rejected | expired.
public enum OrderState: String, Sendable, Codable, CaseIterable {
    case new
    case partiallyFilled = "partially-filled"
    case filled, cancelled, rejected, expired

    /// Filled, cancelled, rejected or expired: the order has left the book.
    @inlinable public var isTerminal: Bool { self != .new && self != .partiallyFilled }
}

/// Why an order changed state: a short kebab-case code, stored with every transition.
public enum OrderReason: String, Sendable, Codable, CaseIterable {
    /// Accepted into the book (→ new).
    case placed
    /// Completely filled (→ filled); `partially-filled` for a part (live exchanges only).
    case filled
    case partiallyFilled = "partially-filled"
    /// The free balance (spot) or wallet (futures margin and fee) cannot cover it.
    case insufficientBalance = "insufficient-balance"
    case belowMinNotional = "below-min-notional"
    case belowMinQuantity = "below-min-quantity"
    /// Not finite, ≤ 0 or outside `MarketRules.priceBounds`, or missing for the type.
    case invalidPrice = "invalid-price"
    /// Not finite, ≤ 0 or above `MarketRules.maxQuantity`.
    case invalidQuantity = "invalid-quantity"
    /// The tag belongs to an order that is still open.
    case duplicateTag = "duplicate-tag"
    /// A CANCEL named a tag no open order has.
    case unknownTag = "unknown-tag"
    /// Reduce-only with no position to reduce (flat, or a position on the order's side).
    case reduceOnlyWouldIncrease = "reduce-only-would-increase"
    /// Reduce-only on a spot account (spot sells are covered by the base balance instead).
    case reduceOnlyNotFutures = "reduce-only-not-futures"
    /// The position was liquidated; its open orders are cancelled.
    case liquidation
    /// CANCEL or CANCEL_ALL from the strategy.
    case cancelledByStrategy = "cancelled-by-strategy"
    /// The other order of a one-cancels-the-other pair (a signal's stop and take-profit) filled.
    case oco
    /// A signal closed or reversed the position its stop and take-profit protected.
    case positionClosed = "position-closed"
    /// A live exchange refused it for a reason the engine has no code for (its message is kept
    /// with the order); or cancelled or expired it on its own.
    case exchange
    /// The platform set the subscriber's execution aside: a size, fee or P&L came out not finite
    /// (terms stored before the bounds existed); its account stays as it was.
    case notFinite = "not-finite"
}

/// What an order is for: an order intent of a strategy, or a part of a signal.
public enum OrderPurpose: String, Sendable, Codable, CaseIterable {
    /// Placed by an order intent.
    case order
    /// A signal's entry (market).
    case open
    /// A signal's exit of the position (market, reduce-only on futures).
    case close
    /// A signal's attached stop-market.
    case stopLoss = "stop-loss"
    /// A signal's attached take-profit limit.
    case takeProfit = "take-profit"
}

/// One order of an account, with its fill progress and its current state.
///
/// The history of its states is the `OrderTransition`s the engine appends to an `OrderJournal`;
/// the order itself carries the latest state, its time and reason.
public struct Order: Sendable, Equatable {
    /// The account's sequence number (1, 2, …): unique within the account, deterministic.
    public var id: Int64
    public var tag: OrderTag
    public var side: OrderSide
    public var type: OrderType
    /// Base units, rounded to the lot step (a quote amount is converted when placed).
    public var quantity: Double
    /// Limit price (limit orders), on the tick grid.
    public var price: Double?
    /// Trigger price (stop orders), on the tick grid.
    public var stopPrice: Double?
    public var reduceOnly: Bool
    public var purpose: OrderPurpose
    /// Orders sharing a non-zero group are one-cancels-the-other (a signal's stop and take-profit).
    public var ocoGroup: Int64
    public var state: OrderState
    /// Base units filled so far.
    public var filled: Double
    /// Average price of the fills (0 before the first).
    public var averagePrice: Double
    /// Fees paid on its fills, in quote.
    public var fees: Double
    /// Held for it: quote (spot buys; futures margin and fee) or base (spot sells).
    public var reserved: Double
    /// The open time of the candle at whose close it was placed; it can fill from the next candle.
    public var placedAt: Int64
    /// Time of the latest transition.
    public var updatedAt: Int64
    /// Reason of the latest transition.
    public var reason: OrderReason

    /// An order as stored (storage reloads open orders with it; the engine makes new ones when
    /// it places intents).
    public init(id: Int64, tag: OrderTag, side: OrderSide, type: OrderType, quantity: Double, price: Double? = nil,
                stopPrice: Double? = nil, reduceOnly: Bool = false, purpose: OrderPurpose = .order, ocoGroup: Int64 = 0,
                state: OrderState = .new, filled: Double = 0, averagePrice: Double = 0, fees: Double = 0, reserved: Double = 0,
                placedAt: Int64, updatedAt: Int64? = nil, reason: OrderReason = .placed) {
        self.id = id
        self.tag = tag
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.stopPrice = stopPrice
        self.reduceOnly = reduceOnly
        self.purpose = purpose
        self.ocoGroup = ocoGroup
        self.state = state
        self.filled = filled
        self.averagePrice = averagePrice
        self.fees = fees
        self.reserved = reserved
        self.placedAt = placedAt
        self.updatedAt = updatedAt ?? placedAt
        self.reason = reason
    }

    /// The quantity still to fill.
    @inlinable public var remaining: Double { max(0, quantity - filled) }

    /// The price that decides when it fills: the limit price, the stop price, or nil (market).
    @inlinable public var triggerPrice: Double? { type == .limit ? price : type == .stop ? stopPrice : nil }

    /// Adds a fill of `quantity` at `price` to the filled quantity and the average price, and
    /// moves the state to filled or partially-filled.
    public mutating func record(fill quantity: Double, at price: Double, fee: Double, time: Int64) {
        let total = filled + quantity
        averagePrice = total > 0 ? (averagePrice * filled + price * quantity) / total : 0
        filled = total
        fees += fee
        updatedAt = time
        if filled >= self.quantity * (1 - 1e-12) {
            filled = self.quantity
            state = .filled
            reason = .filled
        } else {
            state = .partiallyFilled
            reason = .partiallyFilled
        }
    }
}

/// One state change of one order, as it is stored.
public struct OrderTransition: Sendable, Equatable {
    public var orderID: Int64
    public var tag: OrderTag
    /// nil when the order is created (→ new, or straight to rejected).
    public var from: OrderState?
    public var to: OrderState
    public var time: Int64
    public var reason: OrderReason

    public init(orderID: Int64, tag: OrderTag, from: OrderState?, to: OrderState, time: Int64, reason: OrderReason) {
        self.orderID = orderID
        self.tag = tag
        self.from = from
        self.to = to
        self.time = time
        self.reason = reason
    }
}
