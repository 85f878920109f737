import Foundation

/// What the bot's Python keeps about itself in `ctx.state`: its statistics (`stats`) and, once it
/// ended itself, why (`ended`).
public struct BotStatus: Sendable, Equatable {
    /// Realised profit after fees, in `currency` ("quote" or "base").
    public var realised: Double = 0
    public var currency = "quote"
    /// Closed round trips (grid-like bots) or deals (DCA bots).
    public var roundTrips = 0
    public var deals = 0
    /// Fees paid, in `currency`.
    public var fees: Double = 0
    /// Why the bot ended itself: "take-profit", "stop-loss", "liquidation", …; nil while it runs.
    public var endedReason: String?

    /// Unrealised P&L in quote: `total` less the realised profit, which a bot counting in base
    /// realised in coins, valued at `price` (nil when there is none).
    public static func unrealised(total: Double, realised: Double, currency: String, price: Double?) -> Double? {
        if currency == "quote" { return total - realised }
        return price.map { total - realised * $0 }
    }

    /// Reads the state; an absent or unreadable state reads as a bot that has not started.
    public init(stateJSON: String?) {
        guard let text = stateJSON,
              let state = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return }
        if let stats = state["stats"] as? [String: Any] {
            realised = (stats["realised"] as? NSNumber)?.doubleValue ?? 0
            currency = stats["currency"] as? String ?? "quote"
            roundTrips = (stats["round_trips"] as? NSNumber)?.intValue ?? 0
            deals = (stats["deals"] as? NSNumber)?.intValue ?? 0
            fees = (stats["fees"] as? NSNumber)?.doubleValue ?? 0
        }
        endedReason = (state["ended"] as? [String: Any])?["reason"] as? String
    }
}

/// One bot as its owner sees it.
public struct BotReport: Sendable {
    public var bot: BotRecord
    public var status: BotStatus
    /// The owner's open orders of the bot.
    public var openOrders: [OrderEntry]
    /// The owner's account on the bot's symbol (nil before the first close).
    public var account: AccountEntry?
    /// The reference account's equity at the newest close (nil before the first close).
    public var equity: Double?
    /// That close's price (nil when its candle is not stored): values a profit counted in base.
    public var price: Double?

    /// "running", "stopped", "ended" (the bot ended itself; `status.endedReason` says why) or "deleted".
    public var state: String {
        if bot.status == .running, status.endedReason != nil { return "ended" }
        return bot.status.rawValue
    }

    /// Total P&L in quote: the reference equity at the newest close less the bot's capital.
    public var totalPnl: Double { equity.map { $0 - bot.capital } ?? 0 }

    /// Unrealised P&L in quote: total less realised, a realised profit counted in base (BTD, a loop
    /// with profit in base) valued at the newest close; nil when that price is unknown.
    public var unrealisedPnl: Double? { BotStatus.unrealised(total: totalPnl, realised: status.realised, currency: status.currency, price: price) }

    /// The owner's futures liquidation price, nil without a position (or on spot).
    public var liquidationPrice: Double? {
        guard let lp = account?.liquidationPrice, lp > 0 else { return nil }
        return lp
    }
}
