import Foundation
import Platform

// Response bodies of the order level: a subscription's orders with their transitions, its fills
// and its accounts (spot balances, or a futures position with its liquidation price).

/// One order with every state change it went through.
struct OrderDetailView: Encodable {
    var order: OrderEntry
    var transitions: [OrderTransitionEntry]
}

/// A subscription's accounts, one per symbol it traded.
struct AccountsView: Encodable {
    var subscriptionId: Int64
    var market: MarketKind
    var leverage: Double
    var accounts: [SubscriptionAccountView]
}

/// One account as the subscription's last execution left it.
struct SubscriptionAccountView: Encodable {
    struct Balance: Encodable {
        var free: Double
        var reserved: Double
    }

    struct Balances: Encodable {
        /// Spot only.
        var base: Balance?
        var quote: Balance
    }

    /// A futures position (absent when flat, and on spot).
    struct PositionView: Encodable {
        var side: String
        /// Signed: long > 0, short < 0.
        var qty: Double
        var entryPrice: Double
        var leverage: Double
        /// Isolated margin held for it.
        var margin: Double
        /// Absent when the position cannot be liquidated (a long at 1x).
        var liquidationPrice: Double?
    }

    var symbol: String
    var market: String
    var leverage: Double
    var balances: Balances
    var position: PositionView?
    var realisedPnl: Double
    var fees: Double
    var startEquity: Double
    var updatedAt: Int64

    init(_ a: AccountEntry) {
        symbol = a.symbol
        market = a.market
        leverage = a.leverage
        let spot = a.market == MarketKind.spot.rawValue
        balances = Balances(base: spot ? Balance(free: a.baseFree, reserved: a.baseReserved) : nil,
                            quote: Balance(free: a.quoteFree, reserved: a.quoteReserved))
        position = spot || a.positionQty == 0 ? nil
            : PositionView(side: a.positionQty > 0 ? "long" : "short", qty: a.positionQty, entryPrice: a.entryPrice, leverage: a.leverage,
                           margin: a.margin, liquidationPrice: a.liquidationPrice > 0 ? a.liquidationPrice : nil)
        realisedPnl = a.realisedPnl
        fees = a.fees
        startEquity = a.startEquity
        updatedAt = a.updatedAt
    }
}
