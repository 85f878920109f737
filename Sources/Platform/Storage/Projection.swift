import Foundation
import GRDB

extension PlatformDatabase {
    /// Expands every fan-out journal entry pending when called into the `orders` and `positions`
    /// tables, oldest first, deleting each in the transaction that writes its rows: an entry is
    /// expanded exactly once, and a failure of the database leaves it (and the rows of its batch)
    /// as they were.
    ///
    /// An entry that cannot be expanded — malformed bytes, a number that is not finite, a row the
    /// tables refuse — is set aside in `fanout_quarantine` with its error (see
    /// `quarantinedFanouts`), in the same transaction, and never holds back the entries after it.
    /// When only some subscribers' changes fail, only those are set aside.
    ///
    /// Entries go in batches of at most `projectionBatchBytes` of journal (at least one entry), one
    /// transaction each, so commits of new executions are not held off for the whole backlog and
    /// only one batch is in memory at a time.
    ///
    /// - Returns: the number of journal entries taken off the journal (expanded or set aside).
    @discardableResult
    public func projectFanouts() throws(PlatformError) -> Int {
        try projectFanouts(afterEntry: nil)
    }

    /// Journal bytes expanded per transaction (a reversal of 10,000 subscribers is ≈ 1 MB).
    static let projectionBatchBytes = 512 << 10

    /// - Parameters:
    ///   - batchBytes: journal bytes per transaction.
    ///   - afterEntry: called after each entry's rows are written (fault injection in tests: what
    ///     it throws is a failure of the database, not of the entry).
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

    /// Writes one entry's rows and deletes it, each in a savepoint of the caller's transaction. What
    /// cannot be written is set aside in `fanout_quarantine`: the whole entry when its bytes are
    /// malformed, else the changes of the subscribers whose numbers are not finite or whose rows
    /// the tables refuse (each then tried alone). Errors of the database itself are thrown.
    private static func expand(_ db: Database, executionID: Int64, afterEntry: ((Int64) throws -> Void)?) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT strategy_id, symbol, candle_time, changes FROM fanout_journal WHERE execution_id = ?
            """), arguments: [executionID]) else { return }
        let entry = QuarantinedEntry.Key(executionID: executionID, strategyID: row[0], symbol: row[1], candleTime: row[2])
        let bytes: [UInt8] = (row[3] as Data?).map { Array($0) } ?? []
        let changes: [FanoutChange]
        do {
            changes = try FanoutJournal.decode(bytes, row: executionID)
        } catch {
            try quarantine(db, entry, bytes: bytes, subscriptions: 0, error: error.message)
            return try delete(db, executionID)
        }
        var set: [(change: FanoutChange, error: String)] = []
        var good = changes
        if !changes.allSatisfy(\.isFinite) {
            good = changes.filter(\.isFinite)
            set = changes.compactMap { c in c.nonFiniteField.map { (c, "subscription \(c.subscriptionID): not a finite number: \($0)") } }
        }
        do {
            try db.inSavepoint {
                try write(good, db: db, executionID: executionID, symbol: entry.symbol, candleTime: entry.candleTime)
                try afterEntry?(executionID)
                return .commit
            }
        } catch let e as DatabaseError where isEntryFault(e) {
            for c in good {  // the tables refused a row: find whose, one subscriber at a time
                do {
                    try db.inSavepoint {
                        try write([c], db: db, executionID: executionID, symbol: entry.symbol, candleTime: entry.candleTime)
                        return .commit
                    }
                } catch let e as DatabaseError where isEntryFault(e) {
                    set.append((c, "subscription \(c.subscriptionID): \(e.message ?? "\(e)")"))
                }
            }
        }
        if !set.isEmpty {
            try quarantine(db, entry, bytes: FanoutJournal.encode(set.map(\.change)), subscriptions: set.count,
                           error: set.prefix(3).map(\.error).joined(separator: "; ") + (set.count > 3 ? "; …" : ""))
        }
        try delete(db, executionID)
    }

    /// Whether a write failed because of what the entry holds (a constraint, a type, a size), as
    /// opposed to the database failing (I/O, a full disk, a lock), which leaves the entry pending.
    private static func isEntryFault(_ e: DatabaseError) -> Bool {
        [.SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE].contains(e.resultCode)
    }

    private static func delete(_ db: Database, _ executionID: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM fanout_journal WHERE execution_id = ?").execute(arguments: [executionID])
    }

    /// Writes one entry's changes in multi-row statements: each account as the execution left it,
    /// the orders it placed (inserted) and moved (updated), every transition, the fills, the round
    /// trips closed, and the open position where it changed.
    static func write(_ changes: [FanoutChange], db: Database, executionID: Int64, symbol: String, candleTime: Int64) throws {
        var accounts = BatchInsert("""
            INSERT OR REPLACE INTO accounts (subscription_id, symbol, market, leverage, quote_free, base_free, base_cost, position_qty,
                                             entry_price, margin, liquidation_price, realised_pnl, fees, start_equity, next_order_no, updated_at) VALUES
            """, columns: 16)
        var placed = BatchInsert("""
            INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time,
                                order_no, tag, type, limit_price, stop_price, reduce_only, filled, reserved, oco_group, updated_at) VALUES
            """, columns: 22)
        var moved = BatchInsert("""
            WITH v(subscription_id, symbol, order_no, status, reason, filled, price, fee, reserved, updated_at) AS (VALUES
            """, columns: 10)
        var transitions = BatchInsert("""
            INSERT INTO order_transitions (subscription_id, symbol, order_no, from_state, to_state, reason, time, execution_id) VALUES
            """, columns: 8)
        var fills = BatchInsert("""
            INSERT INTO fills (execution_id, subscription_id, user_id, symbol, order_no, tag, side, price, qty, fee, realised_pnl,
                               position_after, maker, liquidation, purpose, time) VALUES
            """, columns: 16)
        var trades = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee,
                                   exit_price, exit_time, pnl, return_pct, exit_reason, status) VALUES
            """, columns: 13, valuesSuffix: ",'closed'")
        var unopened = BatchInsert("DELETE FROM positions WHERE status = 'open' AND (subscription_id, symbol) IN (VALUES ", columns: 2)
        var opened = BatchInsert("""
            INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee, status) VALUES
            """, columns: 8, valuesSuffix: ",'open'")
        let now = Self.now()
        for c in changes {
            let a = c.account, p = a.position
            try accounts.add([.int(c.subscriptionID), .text(symbol), .text(a.market.rawValue), .double(a.leverage), .double(a.quoteFree),
                              .double(a.baseFree), .double(a.baseCost), .double(p.quantity), .double(p.entryPrice), .double(p.margin),
                              .double(p.liquidationPrice), .double(a.realisedPnl), .double(a.fees), .double(a.startEquity),
                              .int(c.nextOrderID), .int(now)], db)
            for o in c.orders where o.id >= c.firstNewOrderID {
                try placed.add([.int(executionID), .int(c.subscriptionID), .int(c.userID), .text(symbol), .text(o.side.rawValue),
                                .double(o.quantity), .double(o.averagePrice), .double(o.fees), .text(o.purpose.rawValue),
                                .text(o.state.rawValue), .text(o.reason.rawValue), .int(candleTime), .int(o.id), .text(o.tag.description),
                                .text(o.type.rawValue), o.price.map { .double($0) } ?? .null, o.stopPrice.map { .double($0) } ?? .null,
                                .int(o.reduceOnly ? 1 : 0), .double(o.filled), .double(o.reserved), .int(o.ocoGroup), .int(o.updatedAt)], db)
            }
            for o in c.orders where o.id < c.firstNewOrderID {
                try moved.add([.int(c.subscriptionID), .text(symbol), .int(o.id), .text(o.state.rawValue), .text(o.reason.rawValue),
                               .double(o.filled), .double(o.averagePrice), .double(o.fees), .double(o.reserved), .int(o.updatedAt)],
                              db, suffix: Self.moveSuffix)
            }
            for t in c.transitions {
                try transitions.add([.int(c.subscriptionID), .text(symbol), .int(t.orderID), t.from.map { .text($0.rawValue) } ?? .null,
                                     .text(t.to.rawValue), .text(t.reason.rawValue), .int(t.time), .int(executionID)], db)
            }
            for f in c.fills {
                try fills.add([.int(executionID), .int(c.subscriptionID), .int(c.userID), .text(symbol), .int(f.orderID), .text(f.tag.description),
                               .text(f.side.rawValue), .double(f.price), .double(f.quantity), .double(f.fee), .double(f.realisedPnl),
                               .double(f.positionAfter), .int(f.maker ? 1 : 0), .int(f.liquidation ? 1 : 0), .text(f.purpose.rawValue),
                               .int(f.time)], db)
            }
            for t in c.trades {
                try trades.add([.int(c.subscriptionID), .int(c.userID), .text(symbol), .text(t.side.rawValue), .double(t.qty),
                                .double(t.entryPrice), .int(t.entryTime), .double(t.entryFee), .double(t.exitPrice), .int(t.exitTime),
                                .double(t.pnl), .double(t.returnPct), .text(t.reason)], db)
            }
            if c.openChanged {
                try unopened.add([.int(c.subscriptionID), .text(symbol)], db, suffix: ")")
                if let p = c.open {
                    // The old open row must be gone before the new one goes in (one open position each).
                    if opened.rows.count + 1 >= opened.batch { try unopened.flush(db, suffix: ")") }
                    try opened.add([.int(c.subscriptionID), .int(c.userID), .text(symbol), .text(p.side.rawValue), .double(p.qty),
                                    .double(p.entryPrice), .int(p.entryTime), .double(p.entryFee)], db)
                }
            }
        }
        try accounts.flush(db)
        try placed.flush(db)
        try moved.flush(db, suffix: moveSuffix)
        try transitions.flush(db)
        try fills.flush(db)
        try trades.flush(db)
        try unopened.flush(db, suffix: ")")
        try opened.flush(db)
    }

    /// Updates the orders named by the `v` rows of a batch to the state the execution left them in.
    static let moveSuffix = """
        ) UPDATE orders SET status = v.status, reason = v.reason, filled = v.filled, price = v.price, fee = v.fee, reserved = v.reserved,
          updated_at = v.updated_at
        FROM v WHERE orders.subscription_id = v.subscription_id AND orders.symbol = v.symbol AND orders.order_no = v.order_no
        """
}
