import StrategyRuntime

/// The net position of a futures account (one-way mode: one per symbol).
public struct NetPosition: Sendable, Equatable {
    /// Signed base quantity: long > 0, short < 0, 0 flat.
    public var quantity: Double
    /// Average entry price (0 when flat).
    public var entryPrice: Double
    /// Isolated margin held for it, in quote.
    public var margin: Double
    /// The ORDERS.md liquidation price, recomputed after every fill; 0 when flat or when a long
    /// cannot be liquidated (the formula gives ≤ 0, e.g. at 1x).
    public var liquidationPrice: Double

    public init(quantity: Double, entryPrice: Double, margin: Double, liquidationPrice: Double) {
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.margin = margin
        self.liquidationPrice = liquidationPrice
    }

    /// No position.
    public static let flat = NetPosition(quantity: 0, entryPrice: 0, margin: 0, liquidationPrice: 0)

    /// Profit or loss if closed at `mark`, before fees.
    @inlinable public func unrealised(at mark: Double) -> Double { quantity == 0 ? 0 : quantity * (mark - entryPrice) }
}

/// The balances and results of one account on one symbol. Only free balances are stored: what is
/// reserved is derived from the open orders (and the position's margin), so the two never drift
/// apart (`AccountBook.quoteReserved`).
public struct Account: Sendable, Equatable {
    public let market: MarketKind
    /// Futures leverage, 1–125 (1 on spot).
    public let leverage: Double
    /// Spot: the free quote balance. Futures: the wallet balance not held as margin.
    public var quoteFree: Double
    /// Spot: the free base balance (0 on futures).
    public var baseFree: Double
    /// Spot: the average cost of the base held, fees apart (0 without base).
    public var baseCost: Double
    /// Futures: the position (flat on spot).
    public var position: NetPosition
    /// Realised profit and loss so far, before fees (a liquidation realises the loss to its
    /// price; the rest of the margin lost is that fill's fee).
    public var realisedPnl: Double
    /// Fees paid so far, in quote.
    public var fees: Double
    /// What the account started with, in quote (spot base valued at its cost).
    public let startEquity: Double

    /// An account as stored (storage reloads it with this; new accounts come from `spot` and
    /// `futures`, which check their inputs).
    public init(market: MarketKind, leverage: Double, quoteFree: Double, baseFree: Double, baseCost: Double,
                position: NetPosition, realisedPnl: Double, fees: Double, startEquity: Double) {
        self.market = market
        self.leverage = leverage
        self.quoteFree = quoteFree
        self.baseFree = baseFree
        self.baseCost = baseCost
        self.position = position
        self.realisedPnl = realisedPnl
        self.fees = fees
        self.startEquity = startEquity
    }

    /// A spot account holding `quote` and `base` (bought at `basePrice`).
    ///
    /// - Throws: `PlatformError.invalidInput` naming the field when an amount is negative, not
    ///   finite or above 1e15, or base is given without a valid price.
    public static func spot(quote: Double, base: Double = 0, basePrice: Double = 0) throws(PlatformError) -> Account {
        try check("quote", quote)
        try check("base", base)
        if base > 0, !MarketRules.priceBounds.contains(basePrice) {
            throw PlatformError(.invalidInput, "basePrice must be a price, got \(basePrice)", field: "basePrice")
        }
        return Account(market: .spot, leverage: 1, quoteFree: quote, baseFree: base, baseCost: base > 0 ? basePrice : 0,
                       position: .flat, realisedPnl: 0, fees: 0, startEquity: quote + base * (base > 0 ? basePrice : 0))
    }

    /// A spot account holding nothing.
    public static let emptySpot = Account(market: .spot, leverage: 1, quoteFree: 0, baseFree: 0, baseCost: 0, position: .flat,
                                          realisedPnl: 0, fees: 0, startEquity: 0)

    /// A futures account with `wallet` quote and the given leverage.
    ///
    /// - Throws: `PlatformError.invalidInput` naming `wallet` (negative, not finite, above 1e15)
    ///   or `leverage` (outside 1–125).
    public static func futures(wallet: Double, leverage: Double) throws(PlatformError) -> Account {
        try check("wallet", wallet)
        guard leverage >= 1, leverage <= 125 else {
            throw PlatformError(.invalidInput, "leverage must be in [1, 125], got \(leverage)", field: "leverage")
        }
        return Account(market: .futures, leverage: leverage, quoteFree: wallet, baseFree: 0, baseCost: 0, position: .flat,
                       realisedPnl: 0, fees: 0, startEquity: wallet)
    }

    private static func check(_ field: String, _ value: Double) throws(PlatformError) {
        guard value >= 0, value <= 1e15 else {
            throw PlatformError(.invalidInput, "\(field) must be from 0 to 1e15, got \(value)", field: field)
        }
    }

    /// The isolated liquidation price of ORDERS.md for a position of signed `quantity` at average
    /// `entry` with margin `margin`:
    /// long `(Q·EP − M − cum) / (Q·(1 − MMR))`, short `(Q·EP + M + cum) / (Q·(1 + MMR))`.
    ///
    /// - Returns: 0 when flat or when the long formula gives ≤ 0 (never liquidated).
    public static func liquidationPrice(quantity: Double, entry: Double, margin: Double, mmr: Double, cum: Double) -> Double {
        let q = abs(quantity)
        guard q > 0 else { return 0 }
        if quantity > 0 {
            let lp = (q * entry - margin - cum) / (q * (1 - mmr))
            return lp > 0 && lp.isFinite ? lp : 0
        }
        let lp = (q * entry + margin + cum) / (q * (1 + mmr))
        return lp.isFinite ? lp : 0
    }
}

/// An account together with its open orders: what the paper exchange matches and places on.
public struct AccountBook: Sendable, Equatable {
    public var account: Account
    /// Open orders (new or partially filled), oldest first.
    public var orders: [Order]
    /// The id the next order gets.
    public var nextOrderID: Int64

    public init(account: Account, orders: [Order] = [], nextOrderID: Int64 = 1) {
        self.account = account
        self.orders = orders
        self.nextOrderID = nextOrderID
    }

    /// Quote held: spot, for open buys (price × qty × (1 + fee)); futures, the position's margin
    /// plus what open orders hold for margin and fees.
    public var quoteReserved: Double {
        var sum = account.market == .futures ? account.position.margin : 0
        for o in orders where account.market == .futures || o.side == .buy { sum += o.reserved }
        return sum
    }

    /// Spot: base held for open sells.
    public var baseReserved: Double {
        guard account.market == .spot else { return 0 }
        var sum = 0.0
        for o in orders where o.side == .sell { sum += o.reserved }
        return sum
    }

    /// Spot: all base held, free and reserved. Futures: the signed position quantity.
    public var holdings: Double {
        account.market == .spot ? account.baseFree + baseReserved : account.position.quantity
    }

    /// Unrealised profit and loss at `mark`, before fees.
    public func unrealised(at mark: Double) -> Double {
        account.market == .spot ? holdings * (mark - account.baseCost) : account.position.unrealised(at: mark)
    }

    /// Quote the account holds, free and reserved (futures: the wallet balance, margin included).
    public var cash: Double { account.quoteFree + quoteReserved }

    /// What the account is worth at `mark`: cash plus base at `mark` (spot) or plus unrealised
    /// profit and loss (futures).
    public func equity(at mark: Double) -> Double {
        account.market == .spot ? cash + holdings * mark : cash + account.position.unrealised(at: mark)
    }

    /// The open order tagged `tag`, if any.
    public func index(ofTag tag: OrderTag) -> Int? { orders.firstIndex { $0.tag == tag } }
}
