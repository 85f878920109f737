import GRDB
import StrategyRuntime

/// A bot as stored: its strategy (the id is the strategy's), the owner's subscription, and its life.
public struct BotRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case running, stopped, deleted }

    public var id: Int64
    public var ownerID: Int64
    public var subscriptionID: Int64
    public var kind: BotKind
    public var symbol: String
    public var timeframe: Timeframe
    public var market: MarketKind
    public var investment: Double
    /// The reference capital (the investment, or what the start needs with fees when more).
    public var capital: Double
    public var isPublic: Bool
    public var status: Status
    public var stopReason: String?
    /// The last stop sold (or bought back) the position.
    public var closedPosition: Bool
    public var createdAt: Int64
    public var updatedAt: Int64
}

extension PlatformDatabase {
    /// Creates a bot in ONE transaction: the strategy and its first version (`spec.versionSpec`), the
    /// owner's subscription with `capital` (ratio 1), and the bot's row. It runs from the next close.
    ///
    /// - Throws: `notFound` for an unknown owner, `quotaExceeded` past the owner's strategies or
    ///   subscriptions, `invalidInput` naming the field.
    public func createBot(ownerID: Int64, _ spec: BotSpec, capital: Double, quotas: Quotas = .unlimited) throws(PlatformError) -> BotRecord {
        let version = spec.versionSpec(capital: capital)
        try Self.validateSpec(version, quotas: quotas)
        let terms = try spec.terms(capital: capital)
        let id: Int64 = try write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE id = ?", arguments: [ownerID]) != nil else {
                throw PlatformError(.notFound, "user \(ownerID) does not exist")
            }
            if quotas.strategiesPerUser != nil {
                let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM strategies WHERE owner_id = ? AND deleted = 0", arguments: [ownerID]) ?? 0
                try Quotas.check(live + 1, against: quotas.strategiesPerUser, "live strategies per user")
            }
            if quotas.subscriptionsPerUser != nil {
                let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscriptions WHERE user_id = ? AND status != 'cancelled'",
                                            arguments: [ownerID]) ?? 0
                try Quotas.check(live + 1, against: quotas.subscriptionsPerUser, "live subscriptions per user")
            }
            let now = Self.now()
            try db.execute(sql: """
                INSERT INTO strategies (owner_id, name, description, kind, webhook_token, max_lag_ms, created_at, updated_at)
                VALUES (?, ?, ?, 'code', NULL, 60000, ?, ?)
                """, arguments: [ownerID, "\(spec.kind.rawValue) bot \(spec.symbol) \(spec.timeframe.rawValue)",
                                 "A \(spec.kind.rawValue) bot (tradekit.bots.\(spec.kind.rawValue))", now, now])
            let strategyID = db.lastInsertedRowID
            _ = try Self.insertVersion(db, strategyID: strategyID, version: 1, spec: version)
            try db.execute(sql: """
                INSERT INTO subscriptions (user_id, strategy_id, capital, risk_per_trade, leverage, allow_short, broker_credential_id,
                                           status, created_at, market)
                VALUES (?, ?, ?, ?, ?, 1, NULL, 'active', ?, ?)
                """, arguments: [ownerID, strategyID, terms.capital, terms.riskPerTrade, terms.leverage, now, terms.market.rawValue])
            let subscriptionID = db.lastInsertedRowID
            try db.execute(sql: """
                INSERT INTO bots (strategy_id, owner_id, subscription_id, type, symbol, timeframe, market, investment, capital, public,
                                  status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)
                """, arguments: [strategyID, ownerID, subscriptionID, spec.kind.rawValue, spec.symbol, spec.timeframe.rawValue,
                                 spec.market.rawValue, spec.investment, capital, spec.isPublic, now, now])
            return strategyID
        }
        return try bot(ownerID: ownerID, id: id)
    }

    /// The owner's bots (deleted ones left out), newest first.
    public func bots(ownerID: Int64) throws(PlatformError) -> [BotRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.botColumns) FROM bots WHERE owner_id = ? AND status != 'deleted' ORDER BY strategy_id DESC",
                             arguments: [ownerID]).map(Self.botRecord)
        }
    }

    /// One of the owner's bots.
    ///
    /// - Throws: `notFound` when there is no such bot, it is deleted, or another user owns it.
    public func bot(ownerID: Int64, id: Int64) throws(PlatformError) -> BotRecord {
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.botColumns) FROM bots WHERE strategy_id = ? AND owner_id = ? AND status != 'deleted'",
                             arguments: [id, ownerID]).map(Self.botRecord)
        }
        guard let found else { throw PlatformError(.notFound, "bot \(id) not found") }
        return found
    }

    /// A public bot anyone may copy.
    ///
    /// - Throws: `notFound` when there is no such live bot or it is not public.
    public func publicBot(id: Int64) throws(PlatformError) -> BotRecord {
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.botColumns) FROM bots WHERE strategy_id = ? AND public = 1 AND status != 'deleted'",
                             arguments: [id]).map(Self.botRecord)
        }
        guard let found else { throw PlatformError(.notFound, "bot \(id) not found") }
        return found
    }

    /// Public bots of users other than `except`, newest first.
    public func publicBots(except user: Int64?, limit: Int) throws(PlatformError) -> [BotRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.botColumns) FROM bots WHERE public = 1 AND status != 'deleted' AND owner_id IS NOT ?
                ORDER BY strategy_id DESC LIMIT ?
                """, arguments: [user, limit]).map(Self.botRecord)
        }
    }

    /// Marks one of the owner's bots stopped, in ONE transaction: the strategy is paused (the
    /// scheduler leaves it out) and a new version with the same spec is recorded, under whose key
    /// the stop's orders (cancel all, close) are committed — the key of the bot's own last close is
    /// taken by then.
    ///
    /// - Returns: the bot and the version to commit the stop under.
    /// - Throws: `notFound`; `conflict` when the bot is stopped already.
    public func markBotStopped(ownerID: Int64, id: Int64, closePosition: Bool) throws(PlatformError) -> (BotRecord, StoredVersion) {
        let bot = try bot(ownerID: ownerID, id: id)
        guard bot.status == .running else { throw PlatformError(.conflict, "bot \(id) is stopped already", field: "id") }
        let version = try write { db -> StoredVersion in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM strategy_versions WHERE strategy_id = ? ORDER BY version DESC LIMIT 1
                """, arguments: [id]) else { throw PlatformError(.notFound, "bot \(id) has no version") }
            let last = try Self.version(row)
            let now = Self.now()
            try db.execute(sql: "UPDATE strategies SET paused_reason = ?, paused_at = ?, updated_at = ? WHERE id = ?",
                           arguments: ["stopped by its owner", now, now, id])
            try db.execute(sql: "UPDATE bots SET status = 'stopped', stop_reason = 'stopped', closed_position = ?, updated_at = ? WHERE strategy_id = ?",
                           arguments: [closePosition, now, id])
            return try Self.insertVersion(db, strategyID: id, version: last.version + 1, spec: last.spec)
        }
        return (try self.bot(ownerID: ownerID, id: id), version)
    }

    /// Starts a stopped bot again from the next close. It resumes its book (the orders the stop
    /// cancelled are placed again) unless `fresh`, which clears its state so it starts over at the
    /// next close's price (after a stop that closed the position, or after the bot ended itself).
    ///
    /// - Throws: `notFound`; `conflict` when it runs already.
    public func markBotStarted(ownerID: Int64, id: Int64, fresh: Bool) throws(PlatformError) -> BotRecord {
        let bot = try bot(ownerID: ownerID, id: id)
        guard bot.status == .stopped else { throw PlatformError(.conflict, "bot \(id) is running already", field: "id") }
        try write { db in
            let now = Self.now()
            try db.execute(sql: "UPDATE strategies SET paused_reason = NULL, paused_at = NULL, updated_at = ? WHERE id = ?", arguments: [now, id])
            try db.execute(sql: "UPDATE bots SET status = 'running', stop_reason = NULL, updated_at = ? WHERE strategy_id = ?", arguments: [now, id])
            try db.execute(sql: "UPDATE subscriptions SET status = 'active' WHERE id = ? AND status = 'paused'", arguments: [bot.subscriptionID])
            if fresh {
                try db.execute(sql: "UPDATE strategy_state SET state = '{}', updated_at = ? WHERE strategy_id = ?", arguments: [now, id])
            }
        }
        return try self.bot(ownerID: ownerID, id: id)
    }

    /// Deletes one of the owner's bots (stop it first): the strategy is soft-deleted, every
    /// subscription to it (the owner's and the copiers') cancelled; history is kept.
    ///
    /// - Throws: `notFound`.
    public func markBotDeleted(ownerID: Int64, id: Int64) throws(PlatformError) {
        _ = try bot(ownerID: ownerID, id: id)
        try write { db in
            let now = Self.now()
            try db.execute(sql: "UPDATE strategies SET deleted = 1, updated_at = ? WHERE id = ?", arguments: [now, id])
            try db.execute(sql: "UPDATE bots SET status = 'deleted', updated_at = ? WHERE strategy_id = ?", arguments: [now, id])
            try db.execute(sql: """
                UPDATE subscriptions SET status = 'cancelled', cancelled_at = ? WHERE strategy_id = ? AND status != 'cancelled'
                """, arguments: [now, id])
        }
    }

    /// The bot's `ctx.state` on its symbol (the bot's statistics live in `stats`), or nil before
    /// its first close.
    public func botState(_ bot: BotRecord) throws(PlatformError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT state FROM strategy_state WHERE strategy_id = ? AND symbol = ? AND timeframe = ?",
                                arguments: [bot.id, bot.symbol, bot.timeframe.rawValue])
        }
    }

    static let botColumns = """
        strategy_id, owner_id, subscription_id, type, symbol, timeframe, market, investment, capital, public, status, stop_reason,
        closed_position, created_at, updated_at
        """

    static func botRecord(_ r: Row) throws -> BotRecord {
        guard let kind = BotKind(rawValue: r[3]), let tf = Timeframe(rawValue: r[5]), let market = MarketKind(rawValue: r[6]),
              let status = BotRecord.Status(rawValue: r[10]) else {
            throw PlatformError(.storage, "bot \(r[0] as Int64) has an unknown type, timeframe, market or status")
        }
        return BotRecord(id: r[0], ownerID: r[1], subscriptionID: r[2], kind: kind, symbol: r[4], timeframe: tf, market: market,
                         investment: r[7], capital: r[8], isPublic: (r[9] as Int64) != 0, status: status, stopReason: r[11],
                         closedPosition: (r[12] as Int64) != 0, createdAt: r[13], updatedAt: r[14])
    }
}
