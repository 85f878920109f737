import GRDB

extension PlatformDatabase {
    /// Per-subscription stats of one of the user's subscriptions. Open positions are marked at the
    /// newest known price of their symbol: the newest stored candle's close, else the newest
    /// order price (feeds that do not store candles).
    public func stats(userID: Int64, subscriptionID: Int64) throws(PlatformError) -> TradeStats {
        let sub = try subscription(userID: userID, id: subscriptionID)
        let trades = try trades(userID: userID, subscriptionID: subscriptionID)
        let unrealised: Double = try read { db in
            var total = 0.0
            for row in try Row.fetchAll(db, sql: "SELECT * FROM positions WHERE subscription_id = ? AND user_id = ? AND status = 'open'",
                                        arguments: [subscriptionID, userID]) {
                let symbol: String = row["symbol"]
                let mark = try Double.fetchOne(db, sql: "SELECT close FROM candles WHERE symbol = ? ORDER BY open_time DESC LIMIT 1",
                                               arguments: [symbol])
                    ?? Double.fetchOne(db, sql: "SELECT price FROM orders WHERE symbol = ? ORDER BY id DESC LIMIT 1", arguments: [symbol])
                let p = Position(side: PositionSide(rawValue: row["side"]) ?? .long, qty: row["qty"], entryPrice: row["entry_price"],
                                 entryTime: row["entry_time"], entryFee: row["entry_fee"])
                total += mark.map(p.markToMarket) ?? 0
            }
            return total
        }
        return TradeStats.compute(trades: trades, unrealised: unrealised, capital: sub.terms.capital)
    }
}
