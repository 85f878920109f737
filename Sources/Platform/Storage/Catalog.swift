import Foundation
import GRDB
import StrategyRuntime

/// How a strategy produces signals: Python code run on candle closes, or alerts posted to its
/// webhook (TradingView style).
public enum StrategyKind: String, Sendable, Codable { case code, webhook }

/// A strategy as the public listing shows it: metadata of its newest version, never the source.
public struct StrategySummary: Sendable, Equatable {
    public var id: Int64
    public var ownerID: Int64
    public var name: String
    public var description: String
    public var kind: StrategyKind
    public var version: StoredVersion
    public var activeSubscribers: Int
    public var deleted: Bool
    public var createdAt: Int64
    public var updatedAt: Int64
    public var maxLagMillis: Int64
    /// Why the scheduler paused the strategy (it then does not run until its author resumes it
    /// or uploads a new version), or nil.
    public var pausedReason: String?
    public var pausedAt: Int64?
}

/// What a new strategy is made of.
public struct NewStrategy: Sendable {
    public var name: String
    public var description: String
    public var kind: StrategyKind
    public var spec: StrategyVersionSpec
    /// The webhook's secret token (webhook strategies).
    public var webhookToken: String?
    public var maxLagMillis: Int64

    public init(name: String, description: String = "", kind: StrategyKind = .code, spec: StrategyVersionSpec,
                webhookToken: String? = nil, maxLagMillis: Int64 = 60_000) {
        self.name = name
        self.description = description
        self.kind = kind
        self.spec = spec
        self.webhookToken = webhookToken
        self.maxLagMillis = maxLagMillis
    }
}

/// One page of a listing.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public var limit: Int
    public var offset: Int
}

extension PlatformDatabase {
    /// Creates a strategy with its first version.
    ///
    /// - Throws: `invalidInput` naming the field, `notFound` for an unknown owner, `quotaExceeded`
    ///   when the owner holds `quotas.strategiesPerUser` live strategies already or the spec lists
    ///   more symbols than `quotas.symbolsPerStrategy`.
    public func createStrategy(ownerID: Int64, _ new: NewStrategy, quotas: Quotas = .unlimited) throws(PlatformError) -> StrategySummary {
        try Self.validate(name: new.name, description: new.description)
        try Self.validateSpec(new.spec, quotas: quotas)
        let id: Int64 = try write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE id = ?", arguments: [ownerID]) != nil else {
                throw PlatformError(.notFound, "user \(ownerID) does not exist")
            }
            if quotas.strategiesPerUser != nil {
                let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM strategies WHERE owner_id = ? AND deleted = 0", arguments: [ownerID]) ?? 0
                try Quotas.check(live + 1, against: quotas.strategiesPerUser, "live strategies per user")
            }
            let now = Self.now()
            try db.execute(sql: """
                INSERT INTO strategies (owner_id, name, description, kind, webhook_token, max_lag_ms, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [ownerID, new.name, new.description, new.kind.rawValue, new.webhookToken, new.maxLagMillis, now, now])
            let strategyID = db.lastInsertedRowID
            _ = try Self.insertVersion(db, strategyID: strategyID, version: 1, spec: new.spec)
            return strategyID
        }
        return try strategySummary(id: id)
    }

    /// Throws `quotaExceeded` when the owner already holds `quotas.strategiesPerUser` live
    /// strategies (a cheap check before the upload's code is loaded; `createStrategy` checks again).
    public func checkStrategyQuota(ownerID: Int64, quotas: Quotas) throws(PlatformError) {
        guard quotas.strategiesPerUser != nil else { return }
        let live = try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM strategies WHERE owner_id = ? AND deleted = 0", arguments: [ownerID]) ?? 0
        }
        try Quotas.check(live + 1, against: quotas.strategiesPerUser, "live strategies per user")
    }

    /// Updates a strategy the owner holds: a changed spec makes a new version (and lifts a pause:
    /// the author changed what runs); name and description change in place.
    ///
    /// - Throws: `notFound` when there is no such live strategy, `forbidden` when another user owns
    ///   it, `quotaExceeded` for more symbols than `quotas` allow.
    public func updateStrategy(ownerID: Int64, strategyID: Int64, name: String?, description: String?,
                               spec: StrategyVersionSpec?, quotas: Quotas = .unlimited) throws(PlatformError) -> StrategySummary {
        try Self.validate(name: name ?? "x", description: description ?? "")
        if let spec { try Self.validateSpec(spec, quotas: quotas) }
        try write { db in
            try Self.requireOwner(db, ownerID: ownerID, strategyID: strategyID)
            if let name { try db.execute(sql: "UPDATE strategies SET name = ? WHERE id = ?", arguments: [name, strategyID]) }
            if let description { try db.execute(sql: "UPDATE strategies SET description = ? WHERE id = ?", arguments: [description, strategyID]) }
            if let spec {
                let last = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM strategy_versions WHERE strategy_id = ?",
                                            arguments: [strategyID]) ?? 0
                _ = try Self.insertVersion(db, strategyID: strategyID, version: last + 1, spec: spec)
                try db.execute(sql: "UPDATE strategies SET paused_reason = NULL, paused_at = NULL WHERE id = ?", arguments: [strategyID])
            }
            try db.execute(sql: "UPDATE strategies SET updated_at = ? WHERE id = ?", arguments: [Self.now(), strategyID])
        }
        return try strategySummary(id: strategyID)
    }

    /// Soft-deletes a strategy: it stops running and leaves the listings; its versions,
    /// executions and every subscriber's history stay.
    public func deleteStrategy(ownerID: Int64, strategyID: Int64) throws(PlatformError) {
        try write { db in
            try Self.requireOwner(db, ownerID: ownerID, strategyID: strategyID)
            try db.execute(sql: "UPDATE strategies SET deleted = 1, updated_at = ? WHERE id = ?", arguments: [Self.now(), strategyID])
        }
    }

    /// A live strategy with its newest version.
    public func strategySummary(id: Int64) throws(PlatformError) -> StrategySummary {
        guard let s = try read({ db in try Self.summaries(db, where: "s.id = ? AND s.deleted = 0", [id], limit: 1, offset: 0).first }) else {
            throw PlatformError(.notFound, "strategy \(id) not found")
        }
        return s
    }

    /// A live strategy as `viewer` (nil: anonymous) may see it: a private bot's strategy exists
    /// only for its owner (`notFound` for anyone else, as for a strategy that does not exist).
    public func strategySummary(id: Int64, viewer: Int64?) throws(PlatformError) -> StrategySummary {
        let summary = try strategySummary(id: id)
        guard summary.ownerID != viewer else { return summary }
        let hidden = try read { db in
            try Bool.fetchOne(db, sql: "SELECT public = 0 FROM bots WHERE strategy_id = ?", arguments: [id]) ?? false
        }
        if hidden { throw PlatformError(.notFound, "strategy \(id) not found") }
        return summary
    }

    /// Leaves bots out of a public strategy listing: public bots are listed with the bots
    /// (`publicBots`), private ones only to their owner.
    static let notABotSQL = "NOT EXISTS (SELECT 1 FROM bots b WHERE b.strategy_id = s.id)"

    /// Live strategies, newest first: every author's but bots, or one owner's (bots included).
    public func strategyPage(limit: Int, offset: Int, ownerID: Int64? = nil) throws(PlatformError) -> Page<StrategySummary> {
        try read { db in
            let (clause, args): (String, StatementArguments) = ownerID.map { ("s.deleted = 0 AND s.owner_id = ?", [$0]) }
                ?? ("s.deleted = 0 AND \(Self.notABotSQL)", [])
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM strategies s WHERE \(clause)", arguments: args) ?? 0
            return Page(items: try Self.summaries(db, where: clause, args, limit: limit, offset: offset, withSource: false),
                        total: total, limit: limit, offset: offset)
        }
    }

    /// The versions of a strategy, oldest first (the owner sees the source of each).
    public func strategyVersions(strategyID: Int64) throws(PlatformError) -> [StoredVersion] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM strategy_versions WHERE strategy_id = ? ORDER BY version", arguments: [strategyID])
                .map(Self.version)
        }
    }

    /// The live webhook strategy behind a secret token.
    public func webhookStrategy(token: String) throws(PlatformError) -> StrategySummary? {
        try read { db in
            try Self.summaries(db, where: "s.webhook_token = ? AND s.deleted = 0 AND s.kind = 'webhook'", [token], limit: 1, offset: 0).first
        }
    }

    /// The webhook token of a strategy the owner holds.
    public func webhookToken(ownerID: Int64, strategyID: Int64) throws(PlatformError) -> String? {
        try read { db in
            try Self.requireOwner(db, ownerID: ownerID, strategyID: strategyID)
            return try String.fetchOne(db, sql: "SELECT webhook_token FROM strategies WHERE id = ?", arguments: [strategyID])
        }
    }

    static func requireOwner(_ db: Database, ownerID: Int64, strategyID: Int64) throws {
        guard let owner = try Int64.fetchOne(db, sql: "SELECT owner_id FROM strategies WHERE id = ? AND deleted = 0", arguments: [strategyID]) else {
            throw PlatformError(.notFound, "strategy \(strategyID) not found")
        }
        guard owner == ownerID else { throw PlatformError(.forbidden, "strategy \(strategyID) belongs to another user") }
    }

    static func validate(name: String, description: String) throws(PlatformError) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw PlatformError(.invalidInput, "name must be 1–100 characters", field: "name") }
        guard description.count <= 2_000 else { throw PlatformError(.invalidInput, "description must be at most 2000 characters", field: "description") }
        try requireStorable(name, field: "name")
        try requireStorable(description, field: "description")
    }

    /// - Parameters:
    ///   - withSource: false leaves the version's source empty (listings never show it, and it is
    ///     the largest column).
    ///   - orderBy: the ORDER BY terms (result columns: `active_subscribers`, `sid`, …).
    static func summaries(_ db: Database, where clause: String, _ args: StatementArguments, limit: Int, offset: Int,
                          withSource: Bool = true, orderBy: String = "s.id DESC") throws -> [StrategySummary] {
        try Row.fetchAll(db, sql: """
            SELECT s.id AS sid, s.owner_id, s.name, s.description, s.kind, s.deleted, s.created_at AS screated,
                   COALESCE(s.updated_at, s.created_at) AS supdated, s.max_lag_ms, s.paused_reason, s.paused_at,
                   (SELECT COUNT(*) FROM subscriptions WHERE strategy_id = s.id AND status = 'active') AS active_subscribers,
                   v.id, v.strategy_id, v.version, \(withSource ? "v.source" : "'' AS source"), v.params, v.symbols, v.timeframe,
                   v.lookback, v.isolation, v.reference_capital, v.reference_market, v.reference_leverage, v.reference_risk
            FROM strategies s
            JOIN strategy_versions v ON v.strategy_id = s.id
                 AND v.version = (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = s.id)
            WHERE \(clause) ORDER BY \(orderBy) LIMIT ? OFFSET ?
            """, arguments: args + [limit, offset]).map { row in
            StrategySummary(id: row["sid"], ownerID: row["owner_id"], name: row["name"], description: row["description"],
                            kind: StrategyKind(rawValue: row["kind"]) ?? .code, version: try Self.version(row),
                            activeSubscribers: row["active_subscribers"], deleted: row["deleted"], createdAt: row["screated"],
                            updatedAt: row["supdated"], maxLagMillis: row["max_lag_ms"], pausedReason: row["paused_reason"],
                            pausedAt: row["paused_at"])
        }
    }
}
