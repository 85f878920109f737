import GRDB
import StrategyRuntime

public struct StrategyVersionSpec: Sendable, Equatable {
    public var source: String
    public var params: String
    public var symbols: [String]
    public var timeframe: Timeframe
    public var lookback: Int
    public var isolation: IsolationLevel
    /// The strategy's reference account (ORDERS.md): what `ctx.account` shows, and what every
    /// subscriber's orders are scaled from.
    public var reference: ReferenceSpec

    public init(source: String, params: String = "{}", symbols: [String], timeframe: Timeframe, lookback: Int = 200,
                isolation: IsolationLevel = .shared, reference: ReferenceSpec = ReferenceSpec()) {
        self.source = source
        self.params = params
        self.symbols = symbols
        self.timeframe = timeframe
        self.lookback = lookback
        self.isolation = isolation
        self.reference = reference
    }
}

/// A strategy's reference account: the capital its orders are sized for (a bot's investment),
/// its market and leverage, and the risk per trade its signals are sized with.
public struct ReferenceSpec: Sendable, Equatable {
    public var capital: Double
    public var market: MarketKind
    public var leverage: Double
    public var riskPerTrade: Double

    public init(capital: Double = 10_000, market: MarketKind = .futures, leverage: Double = 1, riskPerTrade: Double = 0.01) {
        self.capital = capital
        self.market = market
        self.leverage = leverage
        self.riskPerTrade = riskPerTrade
    }

    /// The terms the reference account sizes signals with.
    ///
    /// - Throws: `PlatformError.invalidInput` naming `reference.capital`, `reference.leverage` or
    ///   `reference.riskPerTrade` when out of range (`SubscriptionTerms`'s bounds).
    public func terms() throws(PlatformError) -> SubscriptionTerms {
        do {
            return try SubscriptionTerms(capital: capital, riskPerTrade: riskPerTrade, leverage: leverage, allowShort: true, market: market)
        } catch {
            throw PlatformError(.invalidInput, error.message, field: "reference." + (error.field ?? "capital"))
        }
    }
}

/// A strategy version as stored.
public struct StoredVersion: Sendable, Equatable {
    public var id: Int64
    public var strategyID: Int64
    public var version: Int
    public var spec: StrategyVersionSpec
    /// The strategy's owner, where the query read it: at isolation `process` a worker process
    /// is shared by one owner's strategies only.
    public var ownerID: Int64?
}

public enum SubscriptionStatus: String, Sendable, Codable { case active, paused, cancelled }

public struct StoredSubscription: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var strategyID: Int64
    public var terms: SubscriptionTerms
    public var status: SubscriptionStatus
    public var brokerCredentialID: String?
    public var createdAt: Int64
}

extension PlatformDatabase {
    public func createUser(name: String) throws(PlatformError) -> Int64 {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64 else { throw PlatformError(.invalidInput, "user name must be 1–64 characters", field: "name") }
        try Self.requireStorable(trimmed, field: "name")
        return try write { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [trimmed]) != nil {
                throw PlatformError(.invalidInput, "user name '\(trimmed)' is taken")
            }
            try db.execute(sql: "INSERT INTO users (name, created_at) VALUES (?, ?)", arguments: [trimmed, Self.now()])
            return db.lastInsertedRowID
        }
    }

    /// Creates a strategy owned by `ownerID` with its first version.
    public func createStrategy(ownerID: Int64, name: String, spec: StrategyVersionSpec) throws(PlatformError) -> StoredVersion {
        try createStrategy(ownerID: ownerID, NewStrategy(name: name, spec: spec)).version
    }

    /// Adds a new immutable version to a strategy the owner holds.
    public func addVersion(ownerID: Int64, strategyID: Int64, spec: StrategyVersionSpec) throws(PlatformError) -> StoredVersion {
        try updateStrategy(ownerID: ownerID, strategyID: strategyID, name: nil, description: nil, spec: spec).version
    }

    /// The newest version of a strategy.
    public func latestVersion(strategyID: Int64) throws(PlatformError) -> StoredVersion {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT v.*, s.owner_id FROM strategy_versions v JOIN strategies s ON s.id = v.strategy_id
                WHERE v.strategy_id = ? AND s.deleted = 0 ORDER BY v.version DESC LIMIT 1
                """, arguments: [strategyID]) else {
                throw PlatformError(.notFound, "strategy \(strategyID) not found")
            }
            return try Self.version(row)
        }
    }

    /// Subscribes a user to a strategy with their own terms.
    ///
    /// - Throws: `notFound`, `conflict` (already subscribed), `invalidInput` (credential), or
    ///   `quotaExceeded` when the user holds `quotas.subscriptionsPerUser` live subscriptions.
    public func subscribe(userID: Int64, strategyID: Int64, terms: SubscriptionTerms,
                          brokerCredentialID: String? = nil, quotas: Quotas = .unlimited) throws(PlatformError) -> Int64 {
        try write { db in
            // A private bot can be followed by its owner alone; to anyone else it does not exist.
            guard try Int64.fetchOne(db, sql: """
                SELECT s.id FROM strategies s WHERE s.id = ? AND s.deleted = 0
                  AND (s.owner_id = ? OR NOT EXISTS (SELECT 1 FROM bots b WHERE b.strategy_id = s.id AND b.public = 0))
                """, arguments: [strategyID, userID]) != nil else {
                throw PlatformError(.notFound, "strategy \(strategyID) not found")
            }
            if let live = try Int64.fetchOne(db, sql: "SELECT id FROM subscriptions WHERE user_id = ? AND strategy_id = ? AND status != 'cancelled'",
                                             arguments: [userID, strategyID]) {
                throw PlatformError(.conflict, "already subscribed to strategy \(strategyID) (subscription \(live))", field: "strategyId")
            }
            if quotas.subscriptionsPerUser != nil {
                let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscriptions WHERE user_id = ? AND status != 'cancelled'",
                                            arguments: [userID]) ?? 0
                try Quotas.check(live + 1, against: quotas.subscriptionsPerUser, "live subscriptions per user")
            }
            if let credential = brokerCredentialID,
               try Int64.fetchOne(db, sql: "SELECT id FROM broker_credentials WHERE public_id = ? AND user_id = ? AND deleted = 0",
                                  arguments: [credential, userID]) == nil {
                throw PlatformError(.invalidInput, "no broker credential '\(credential)' of yours", field: "brokerCredentialId")
            }
            try db.execute(sql: """
                INSERT INTO subscriptions (user_id, strategy_id, capital, risk_per_trade, leverage, allow_short,
                                           broker_credential_id, status, created_at, market)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)
                """, arguments: [userID, strategyID, terms.capital, terms.riskPerTrade, terms.leverage, terms.allowShort,
                                 brokerCredentialID, Self.now(), terms.market.rawValue])
            return db.lastInsertedRowID
        }
    }

    /// Pauses, resumes or cancels one of the user's subscriptions. Cancelled is final.
    public func setStatus(userID: Int64, subscriptionID: Int64, to status: SubscriptionStatus) throws(PlatformError) {
        try write { db in
            guard let current = try String.fetchOne(db, sql: "SELECT status FROM subscriptions WHERE id = ? AND user_id = ?",
                                                    arguments: [subscriptionID, userID]) else {
                throw PlatformError(.notFound, "subscription \(subscriptionID) not found for user \(userID)")
            }
            if current == SubscriptionStatus.cancelled.rawValue && status != .cancelled {
                throw PlatformError(.conflict, "subscription \(subscriptionID) is cancelled; subscribe again instead")
            }
            if status == .cancelled && current != SubscriptionStatus.cancelled.rawValue {
                // From now on the subscriber reads the strategy's signals up to the newest one.
                try db.execute(sql: """
                    UPDATE subscriptions SET status = 'cancelled', cancelled_at = ?,
                           signals_until = (SELECT COALESCE(MAX(id), 0) FROM signals) WHERE id = ? AND user_id = ?
                    """, arguments: [Self.now(), subscriptionID, userID])
                return
            }
            try db.execute(sql: "UPDATE subscriptions SET status = ? WHERE id = ? AND user_id = ?",
                           arguments: [status.rawValue, subscriptionID, userID])
        }
    }

    /// One of the user's subscriptions; `notFound` for anyone else's.
    public func subscription(userID: Int64, id: Int64) throws(PlatformError) -> StoredSubscription {
        guard let s = try read({ db in
            try Row.fetchOne(db, sql: "SELECT * FROM subscriptions WHERE id = ? AND user_id = ?", arguments: [id, userID]).map(Self.subscription)
        }) else { throw PlatformError(.notFound, "subscription \(id) not found") }
        return s
    }

    public func subscriptions(userID: Int64) throws(PlatformError) -> [StoredSubscription] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM subscriptions WHERE user_id = ? ORDER BY id", arguments: [userID])
                .map(Self.subscription)
        }
    }

    /// Sets a symbol's rules; callers invalidate the settings cache afterwards.
    ///
    /// - Throws: `invalidInput` naming the field (`SymbolRules.validate`).
    public func setRules(symbol: String, _ rules: SymbolRules) throws(PlatformError) {
        try rules.validate()
        try Self.requireStorable(symbol, field: "symbol")
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO symbol_rules (symbol, lot_step, min_notional, min_price, max_price, max_qty, tick_size, min_qty,
                                                     spot_maker_fee, spot_taker_fee, futures_maker_fee, futures_taker_fee, mmr, cum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [symbol, rules.lotStep, rules.minNotional, rules.minPrice, rules.maxPrice, rules.maxQuantity, rules.tickSize,
                                 rules.minQuantity, rules.spotMakerFee, rules.spotTakerFee, rules.futuresMakerFee, rules.futuresTakerFee,
                                 rules.mmr, rules.cum])
        }
    }

    /// A symbol's rules (none set: no lot step, no minimum, the global price and quantity bounds).
    public func rules(symbol: String) throws(PlatformError) -> SymbolRules {
        try read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT lot_step, min_notional, min_price, max_price, max_qty, tick_size, min_qty, spot_maker_fee, spot_taker_fee,
                       futures_maker_fee, futures_taker_fee, mmr, cum FROM symbol_rules WHERE symbol = ?
                """), arguments: [symbol]).map {
                SymbolRules(lotStep: $0[0], minNotional: $0[1], minPrice: $0[2], maxPrice: $0[3], maxQuantity: $0[4], tickSize: $0[5],
                            minQuantity: $0[6], spotMakerFee: $0[7], spotTakerFee: $0[8], futuresMakerFee: $0[9], futuresTakerFee: $0[10],
                            mmr: $0[11], cum: $0[12])
            } ?? SymbolRules()
        }
    }

    /// Checks a version spec before anything is stored; the error names the field.
    ///
    /// - Throws: `invalidInput` for a symbol outside `SymbolGrammar` (or listed twice), a lookback
    ///   out of range or an empty source; `quotaExceeded` for more symbols than `quotas` allow.
    public static func validateSpec(_ spec: StrategyVersionSpec, quotas: Quotas = .unlimited) throws(PlatformError) {
        guard !spec.symbols.isEmpty else { throw PlatformError(.invalidInput, "symbols must list 1 or more symbols", field: "symbols") }
        try Quotas.check(spec.symbols.count, against: quotas.symbolsPerStrategy, "symbols per strategy", field: "symbols")
        guard try SymbolGrammar.normalized(spec.symbols) == spec.symbols else {
            throw PlatformError(.invalidInput, "symbols must be upper case", field: "symbols")
        }
        try requireStorable(spec.params, field: "params")
        guard (2...10_000).contains(spec.lookback) else { throw PlatformError(.invalidInput, "lookback must be in 2…10000", field: "lookback") }
        guard !spec.source.isEmpty else { throw PlatformError(.invalidInput, "source is empty", field: "source") }
        _ = try spec.reference.terms()
    }

    static func insertVersion(_ db: Database, strategyID: Int64, version: Int, spec: StrategyVersionSpec) throws -> StoredVersion {
        try db.execute(sql: """
            INSERT INTO strategy_versions (strategy_id, version, source, params, symbols, timeframe, lookback, isolation, created_at,
                                           reference_capital, reference_market, reference_leverage, reference_risk)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [strategyID, version, spec.source, spec.params, spec.symbols.joined(separator: ","),
                             spec.timeframe.rawValue, spec.lookback, spec.isolation.rawValue, now(), spec.reference.capital,
                             spec.reference.market.rawValue, spec.reference.leverage, spec.reference.riskPerTrade])
        return StoredVersion(id: db.lastInsertedRowID, strategyID: strategyID, version: version, spec: spec)
    }

    static func version(_ row: Row) throws -> StoredVersion {
        guard let tf = Timeframe(rawValue: row["timeframe"]), let iso = IsolationLevel(rawValue: row["isolation"]) else {
            throw PlatformError(.storage, "strategy version \(row["id"] as Int64) has an unknown timeframe or isolation")
        }
        let symbols = (row["symbols"] as String).split(separator: ",").map(String.init)
        return StoredVersion(id: row["id"], strategyID: row["strategy_id"], version: row["version"],
                             spec: StrategyVersionSpec(source: row["source"], params: row["params"], symbols: symbols,
                                                       timeframe: tf, lookback: row["lookback"], isolation: iso,
                                                       reference: reference(row)),
                             ownerID: row.hasColumn("owner_id") ? row["owner_id"] : nil)
    }

    /// The reference account of a version row (the defaults where the query did not read it).
    static func reference(_ row: Row) -> ReferenceSpec {
        guard row.hasColumn("reference_capital") else { return ReferenceSpec() }
        return ReferenceSpec(capital: row["reference_capital"], market: MarketKind(rawValue: row["reference_market"]) ?? .futures,
                             leverage: row["reference_leverage"], riskPerTrade: row["reference_risk"])
    }

    static func subscription(_ row: Row) throws -> StoredSubscription {
        let terms = SubscriptionTerms(stored: row["capital"], riskPerTrade: row["risk_per_trade"],
                                      leverage: row["leverage"], allowShort: row["allow_short"],
                                      market: row.hasColumn("market") ? MarketKind(rawValue: row["market"]) ?? .futures : .futures)
        return StoredSubscription(id: row["id"], userID: row["user_id"], strategyID: row["strategy_id"], terms: terms,
                                  status: SubscriptionStatus(rawValue: row["status"]) ?? .paused,
                                  brokerCredentialID: row["broker_credential_id"], createdAt: row["created_at"])
    }
}
