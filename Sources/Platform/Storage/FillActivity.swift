import GRDB

/// Fills for the API's event stream: each fill is an event of its own, read by its own cursor
/// (fills are rows of their own, so a partly filled order or a liquidation is seen as it happens).
extension PlatformDatabase {
    /// Everyone's fills after `cursor`, oldest first, with their user: one indexed range read per
    /// poll of the API's shared stream poller, whatever the number of streams.
    public func fills(after cursor: Int64, limit: Int = 1_000) throws(PlatformError) -> [(userID: Int64, fill: FillEntry)] {
        try read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.fillColumns), user_id FROM fills WHERE id > ? ORDER BY id LIMIT ?"),
                             arguments: [cursor, limit]).map { (userID: $0[16] as Int64, fill: Self.fillEntry($0)) }
        }
    }

    /// The user's fills after `cursor`, oldest first (a stream's replay).
    public func fills(userID: Int64, after cursor: Int64, limit: Int = 500) throws(PlatformError) -> [FillEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.fillColumns) FROM fills WHERE id > ? AND user_id = ? ORDER BY id LIMIT ?",
                             arguments: [cursor, userID, limit]).map(Self.fillEntry)
        }
    }

    /// The newest fill id: a stream starts after it.
    public func fillCursor() throws(PlatformError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM fills") ?? 0 }
    }
}
