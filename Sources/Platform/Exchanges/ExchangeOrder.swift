import StrategyRuntime

/// An order to place on an exchange: the engine's order (side, type, quantity, prices,
/// reduce-only) with the symbol and the deterministic client order id.
public struct LiveOrderRequest: Sendable, Equatable {
    public var symbol: String
    public var clientID: String
    public var side: OrderSide
    public var type: OrderType
    /// Base units, already on the lot grid.
    public var quantity: Double
    /// Limit price (limit orders).
    public var price: Double?
    /// Trigger price (stop orders).
    public var stopPrice: Double?
    public var reduceOnly: Bool

    public init(symbol: String, clientID: String, side: OrderSide, type: OrderType, quantity: Double, price: Double? = nil,
                stopPrice: Double? = nil, reduceOnly: Bool = false) {
        self.symbol = symbol
        self.clientID = clientID
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.stopPrice = stopPrice
        self.reduceOnly = reduceOnly
    }

    /// The request for one of the engine's orders.
    public init(_ order: Order, symbol: String, clientID: String) {
        self.init(symbol: symbol, clientID: clientID, side: order.side, type: order.type, quantity: order.quantity,
                  price: order.price, stopPrice: order.stopPrice, reduceOnly: order.reduceOnly)
    }
}

/// One fill as the exchange reported it.
public struct ExchangeFill: Sendable, Equatable {
    public var tradeID: String
    public var price: Double
    public var quantity: Double
    /// In quote (a fee charged in base is converted at the fill price; in a third asset, 0).
    public var fee: Double
    public var time: Int64

    public init(tradeID: String, price: Double, quantity: Double, fee: Double, time: Int64) {
        self.tradeID = tradeID
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.time = time
    }
}

/// An order as the exchange reports it, in the order engine's terms.
public struct ExchangeOrder: Sendable, Equatable {
    /// The exchange's id (Binance's integer orderId as text; CoinDCX's UUID).
    public var exchangeID: String
    public var clientID: String
    public var symbol: String
    public var side: OrderSide
    public var type: OrderType
    public var quantity: Double
    public var price: Double?
    public var stopPrice: Double?
    public var reduceOnly: Bool
    public var state: OrderState
    public var filled: Double
    /// Average fill price (0 before the first fill).
    public var averagePrice: Double
    /// Fees in quote, where the exchange reported them.
    public var fees: Double
    /// The exchange's time of the latest change (ms).
    public var updatedAt: Int64
    /// Fills the response listed (Binance FULL responses); empty when it gave none.
    public var fills: [ExchangeFill]

    public init(exchangeID: String, clientID: String, symbol: String, side: OrderSide, type: OrderType, quantity: Double,
                price: Double? = nil, stopPrice: Double? = nil, reduceOnly: Bool = false, state: OrderState, filled: Double,
                averagePrice: Double, fees: Double = 0, updatedAt: Int64, fills: [ExchangeFill] = []) {
        self.exchangeID = exchangeID
        self.clientID = clientID
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.price = price
        self.stopPrice = stopPrice
        self.reduceOnly = reduceOnly
        self.state = state
        self.filled = filled
        self.averagePrice = averagePrice
        self.fees = fees
        self.updatedAt = updatedAt
        self.fills = fills
    }

    /// The engine's order as recorded, brought to what the exchange reports: state, filled
    /// quantity, average price, fees and time (id, tag, purpose and placement stay the record's).
    /// A terminal state the exchange reached on its own (cancelled, expired, rejected while the
    /// record was open) gets the reason `exchange`; one the record already had keeps its reason.
    public func applied(to recorded: Order) -> Order {
        var o = recorded
        o.state = state
        o.filled = filled
        o.averagePrice = averagePrice
        o.fees = max(o.fees, fees)
        o.updatedAt = max(o.updatedAt, updatedAt)
        switch state {
        case .filled: o.reason = .filled
        case .partiallyFilled: o.reason = .partiallyFilled
        case .new: o.reason = .placed
        case .cancelled, .rejected, .expired: if recorded.state != state { o.reason = .exchange }
        }
        return o
    }

    /// The exchange's fills as the engine's `Fill`s of `recorded` (the order's id, tag and purpose).
    public func engineFills(of recorded: Order) -> [Fill] {
        fills.map { f in
            Fill(orderID: recorded.id, tag: recorded.tag, side: side, price: f.price, quantity: f.quantity, fee: f.fee, time: f.time,
                 liquidation: false, maker: type == .limit, realisedPnl: 0, positionAfter: 0, purpose: recorded.purpose)
        }
    }
}

/// A balance of one asset.
public struct AssetBalance: Sendable, Equatable {
    public var asset: String
    public var free: Double
    public var locked: Double

    public init(asset: String, free: Double, locked: Double) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }
}

/// A futures position (one-way mode).
public struct ExchangePosition: Sendable, Equatable {
    public var symbol: String
    /// Signed: long > 0, short < 0.
    public var quantity: Double
    public var entryPrice: Double
    public var leverage: Double
    public var liquidationPrice: Double
    public var isolatedMargin: Double

    public init(symbol: String, quantity: Double, entryPrice: Double, leverage: Double, liquidationPrice: Double, isolatedMargin: Double) {
        self.symbol = symbol
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.leverage = leverage
        self.liquidationPrice = liquidationPrice
        self.isolatedMargin = isolatedMargin
    }

    /// As the engine's `NetPosition`.
    public var netPosition: NetPosition {
        NetPosition(quantity: quantity, entryPrice: entryPrice, margin: isolatedMargin, liquidationPrice: liquidationPrice)
    }
}

/// A symbol's rules on an exchange: the engine's `MarketRules` plus the names the exchange uses.
public struct ExchangeSymbol: Sendable, Equatable {
    /// The platform's symbol (`BTCUSDT`).
    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    /// What the exchange calls it in trading calls (Binance: the symbol; CoinDCX: `market`).
    public var market: String
    /// What it is called in candle calls (Binance: the symbol; CoinDCX: `pair`, e.g. `B-BTC_USDT`).
    public var pair: String
    public var rules: MarketRules
    /// Whether it trades now.
    public var trading: Bool

    public init(symbol: String, baseAsset: String, quoteAsset: String, market: String, pair: String, rules: MarketRules, trading: Bool) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.market = market
        self.pair = pair
        self.rules = rules
        self.trading = trading
    }
}
