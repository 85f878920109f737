import GRDB

extension PlatformDatabase {
    /// Creates `count` users named `prefix0…`, each subscribed to `strategyID` with terms from
    /// `terms(i)`, in one transaction. For demos and benchmarks.
    public func bulkSubscribers(prefix: String, count: Int, strategyID: Int64,
                                terms: (Int) -> SubscriptionTerms) throws(PlatformError) -> [(user: Int64, subscription: Int64)] {
        try write { db in
            let user = try db.cachedStatement(sql: "INSERT INTO users (name, created_at) VALUES (?, ?)")
            let sub = try db.cachedStatement(sql: """
                INSERT INTO subscriptions (user_id, strategy_id, capital, risk_per_trade, leverage, allow_short, status, created_at, market)
                VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)
                """)
            var out: [(Int64, Int64)] = []
            out.reserveCapacity(count)
            let now = Self.now()
            for i in 0..<count {
                try user.execute(arguments: ["\(prefix)\(i)", now])
                let userID = db.lastInsertedRowID
                let t = terms(i)
                try sub.execute(arguments: [userID, strategyID, t.capital, t.riskPerTrade, t.leverage, t.allowShort, now, t.market.rawValue])
                out.append((userID, db.lastInsertedRowID))
            }
            return out
        }
    }
}
