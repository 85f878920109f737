import Foundation
import Platform

/// The order level on a subscription's page: its accounts (spot balances, or the futures position
/// with its liquidation price) and its fills, read through the same user-scoped queries as the API.
extension Dashboard {
    func orderLevelView(_ sub: StoredSubscription, user: Int64) throws -> [String: Any] {
        let accounts = try db.accounts(userID: user, subscriptionID: sub.id)
        let fills = try db.fills(userID: user, subscriptionID: sub.id, limit: 50, offset: 0)
        return ["market": sub.terms.market.rawValue, "accounts": accounts.map(accountRow), "noAccounts": accounts.isEmpty,
                "fills": fills.items.map(fillRow), "fillsTotal": fills.total, "noFills": fills.items.isEmpty]
    }

    func accountRow(_ a: AccountEntry) -> [String: Any] {
        var row: [String: Any] = ["symbol": a.symbol, "market": a.market, "spot": a.market == MarketKind.spot.rawValue,
                                  "quoteFree": Format.money(a.quoteFree), "quoteReserved": Format.money(a.quoteReserved),
                                  "baseFree": Format.qty(a.baseFree), "baseReserved": Format.qty(a.baseReserved),
                                  "realised": Format.signedMoney(a.realisedPnl), "realisedTone": Format.tone(a.realisedPnl),
                                  "fees": Format.money(a.fees), "leverage": Format.qty(a.leverage) + "×"]
        if a.market == MarketKind.futures.rawValue, a.positionQty != 0 {
            row["position"] = ["side": a.positionQty > 0 ? "long" : "short", "qty": Format.qty(abs(a.positionQty)),
                               "entry": Format.price(a.entryPrice), "margin": Format.money(a.margin),
                               "liquidation": a.liquidationPrice > 0 ? Format.price(a.liquidationPrice) : "none"]
        }
        return row
    }

    func fillRow(_ f: FillEntry) -> [String: Any] {
        ["id": f.id, "time": Format.time(f.time), "tag": f.tag, "side": f.side, "qty": Format.qty(f.qty), "price": Format.price(f.price),
         "fee": Format.money(f.fee), "role": f.liquidation ? "liquidation" : f.maker ? "maker" : "taker", "liquidation": f.liquidation,
         "pnl": f.realisedPnl == 0 ? "" : Format.signedMoney(f.realisedPnl), "tone": Format.tone(f.realisedPnl)]
    }
}
