import Foundation
import GRDB

/// A fan-out journal entry, or the part of one, that could not be expanded into the orders and
/// positions tables and was set aside so that it holds back nothing else.
public struct QuarantinedEntry: Sendable, Equatable {
    struct Key {
        let executionID: Int64
        let strategyID: Int64
        let symbol: String
        let candleTime: Int64
    }

    public var executionID: Int64
    public var strategyID: Int64
    public var symbol: String
    public var candleTime: Int64
    /// How many subscribers' changes were set aside (0: the whole entry, its bytes malformed).
    public var subscriptions: Int
    /// Why, e.g. `subscription 12: not a finite number: order 0 quantity and fee`.
    public var error: String
    /// When it was set aside, epoch ms.
    public var quarantinedAt: Int64
}

extension PlatformDatabase {
    /// Entries set aside by the projection, newest first (operators: `tradectl journal quarantined`).
    public func quarantinedFanouts(limit: Int = 100) throws(PlatformError) -> [QuarantinedEntry] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT execution_id, strategy_id, symbol, candle_time, subscriptions, error, quarantined_at
                FROM fanout_quarantine ORDER BY execution_id DESC LIMIT ?
                """, arguments: [limit]).map { r in
                QuarantinedEntry(executionID: r[0], strategyID: r[1], symbol: r[2], candleTime: r[3], subscriptions: r[4], error: r[5],
                                 quarantinedAt: r[6])
            }
        }
    }

    /// How many entries have been set aside.
    public func quarantinedFanoutCount() throws(PlatformError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fanout_quarantine") ?? 0 }
    }

    /// Records what the projection set aside, in its transaction, and moves the pair's book
    /// generation on: a process's kept positions of the pair included the part set aside, so its
    /// next commit reads the tables instead.
    static func quarantine(_ db: Database, _ entry: QuarantinedEntry.Key, bytes: [UInt8], subscriptions: Int, error: String) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO fanout_quarantine (execution_id, strategy_id, symbol, candle_time, subscriptions, changes, error, quarantined_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [entry.executionID, entry.strategyID, entry.symbol, entry.candleTime, subscriptions, Data(bytes),
                                     String(error.prefix(2_000)), now()])
        try db.cachedStatement(sql: "UPDATE fanout_books SET generation = generation + 1 WHERE strategy_id = ? AND symbol = ?")
            .execute(arguments: [entry.strategyID, entry.symbol])
    }
}

