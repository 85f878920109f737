import Foundation
import GRDB

extension PlatformDatabase {
    /// Expands every fan-out journal entry pending when called into the `orders` and `positions`
    /// tables, oldest first, deleting each in the transaction that writes its rows: an entry is
    /// expanded exactly once, and a failure leaves it (and the rows of its batch) as they were.
    ///
    /// Entries go in batches of at most `projectionBatchBytes` of journal (at least one entry), one
    /// transaction each, so commits of new executions are not held off for the whole backlog and
    /// only one batch is in memory at a time.
    ///
    /// - Returns: the number of journal entries expanded.
    @discardableResult
    public func projectFanouts() throws(PlatformError) -> Int {
        try projectFanouts(afterEntry: nil)
    }

    /// Journal bytes expanded per transaction (a reversal of 10,000 subscribers is ≈ 1 MB).
    static let projectionBatchBytes = 512 << 10

    /// - Parameters:
    ///   - batchBytes: journal bytes per transaction.
    ///   - afterEntry: called after each entry's rows are written (fault injection in tests).
    func projectFanouts(batchBytes: Int = projectionBatchBytes, afterEntry: ((Int64) throws -> Void)?) throws(PlatformError) -> Int {
        let last = try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(execution_id) FROM fanout_journal") }
        guard let last else { return 0 }
        var total = 0
        while true {
            let n = try write { db -> Int in
                let sizes = try Row.fetchAll(db.cachedStatement(sql: """
                    SELECT execution_id, length(changes) FROM fanout_journal WHERE execution_id <= ? ORDER BY execution_id LIMIT 256
                    """), arguments: [last])
                var bytes = 0
                var batch: [Int64] = []
                for row in sizes {
                    let size: Int = row[1]
                    if !batch.isEmpty && bytes + size > batchBytes { break }
                    batch.append(row[0])
                    bytes += size
                }
                for id in batch { try Self.expand(db, executionID: id, afterEntry: afterEntry) }
                return batch.count
            }
            total += n
            if n == 0 { return total }
        }
    }

    /// Fan-out journal entries not yet expanded.
    public func pendingFanouts() throws(PlatformError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fanout_journal") ?? 0 }
    }

    /// Expands the pending entries of one strategy and symbol inside the caller's transaction
    /// (an execution's commit, before it reads that pair's positions), one entry in memory at a time.
    static func project(_ db: Database, only book: FanoutBooks.Key) throws -> Int {
        let ids = try Int64.fetchAll(db.cachedStatement(sql: """
            SELECT execution_id FROM fanout_journal WHERE strategy_id = ? AND symbol = ? ORDER BY execution_id
            """), arguments: [book.strategyID, book.symbol])
        for id in ids { try expand(db, executionID: id, afterEntry: nil) }
        return ids.count
    }

    /// Writes one entry's rows and deletes it.
    private static func expand(_ db: Database, executionID: Int64, afterEntry: ((Int64) throws -> Void)?) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT symbol, candle_time, changes FROM fanout_journal WHERE execution_id = ?
            """), arguments: [executionID]) else { return }
        let bytes: [UInt8] = (row[2] as Data?).map { Array($0) } ?? []
        let changes = try FanoutJournal.decode(bytes, row: executionID)
        try write(changes, db: db, executionID: executionID, symbol: row[0], candleTime: row[1])
        try afterEntry?(executionID)
        try db.cachedStatement(sql: "DELETE FROM fanout_journal WHERE execution_id = ?").execute(arguments: [executionID])
    }

    /// Writes one entry's orders and position changes in multi-row statements.
    private static func write(_ changes: [FanoutChange], db: Database, executionID: Int64, symbol: String, candleTime: Int64) throws {
        var orders = BatchInsert("""
            INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time) VALUES
            """, columns: 12)
        var opens = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee, stop_loss, take_profit, status) VALUES
            """, columns: 11)
        var within = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee,
                                   exit_price, exit_time, pnl, return_pct, exit_reason, status) VALUES
            """, columns: 13, valuesSuffix: ",'closed'")
        var closes = BatchInsert("""
            WITH v(subscription_id, symbol, exit_price, exit_time, pnl, return_pct, exit_reason) AS (VALUES
            """, columns: 7)
        for c in changes {
            for o in c.orders {
                try orders.add([.int(executionID), .int(c.subscriptionID), .int(c.userID), .text(symbol), .text(o.side.rawValue),
                                .double(o.qty), .double(o.price), .double(o.fee), .text(o.purpose),
                                .text(o.skipped == nil ? "filled" : "skipped"), o.skipped.map { .text($0) } ?? .null,
                                .int(candleTime)], db)
            }
            if let t = c.closed {
                try closes.add([.int(c.subscriptionID), .text(symbol), .double(t.exitPrice), .int(t.exitTime), .double(t.pnl),
                                .double(t.returnPct), .text(t.reason)], db, suffix: Self.closeSuffix)
            }
            for t in c.closedWithin {
                try within.add([.int(c.subscriptionID), .int(c.userID), .text(symbol), .text(t.side.rawValue), .double(t.qty),
                                .double(t.entryPrice), .int(t.entryTime), .double(t.entryFee), .double(t.exitPrice),
                                .int(t.exitTime), .double(t.pnl), .double(t.returnPct), .text(t.reason)], db)
            }
            if let p = c.opened {
                // A reversal's close must reach the table before its new open (one open position each).
                if opens.rows.count + 1 >= opens.batch { try closes.flush(db, suffix: closeSuffix) }
                try opens.add([.int(c.subscriptionID), .int(c.userID), .text(symbol), .text(p.side.rawValue), .double(p.qty),
                               .double(p.entryPrice), .int(p.entryTime), .double(p.entryFee), p.stopLoss.map { .double($0) } ?? .null,
                               p.takeProfit.map { .double($0) } ?? .null, .text("open")], db)
            }
        }
        try orders.flush(db)
        try closes.flush(db, suffix: closeSuffix)  // closes before opens: one open position per subscriber and symbol
        try opens.flush(db)
        try within.flush(db)
    }

    /// Closes the open positions named by the `v` rows of a batch.
    static let closeSuffix = """
        ) UPDATE positions SET status = 'closed', exit_price = v.exit_price, exit_time = v.exit_time, pnl = v.pnl,
          return_pct = v.return_pct, exit_reason = v.exit_reason
        FROM v WHERE positions.subscription_id = v.subscription_id AND positions.symbol = v.symbol AND positions.status = 'open'
        """
}
