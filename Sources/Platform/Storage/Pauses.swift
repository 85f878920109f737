import GRDB

extension PlatformDatabase {
    /// Pauses a strategy with a reason its author sees (the API's strategy view, `tradectl strategy
    /// show`): the registry leaves it out until the author resumes it or uploads a new version.
    /// A strategy already paused keeps its first reason.
    ///
    /// - Returns: false when the strategy was already paused (or is gone).
    @discardableResult
    public func pauseStrategy(strategyID: Int64, reason: String) throws(PlatformError) -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE strategies SET paused_reason = ?, paused_at = ? WHERE id = ? AND deleted = 0 AND paused_reason IS NULL
                """, arguments: [String(reason.prefix(2_000)), Self.now(), strategyID])
            return db.changesCount > 0
        }
    }

    /// Lifts the pause of a strategy the owner holds; it runs again from the next candle.
    ///
    /// - Throws: `notFound` when there is no such live strategy, `forbidden` when another user owns it.
    public func resumeStrategy(ownerID: Int64, strategyID: Int64) throws(PlatformError) {
        try write { db in
            try Self.requireOwner(db, ownerID: ownerID, strategyID: strategyID)
            try db.execute(sql: "UPDATE strategies SET paused_reason = NULL, paused_at = NULL, updated_at = ? WHERE id = ?",
                           arguments: [Self.now(), strategyID])
        }
    }
}
