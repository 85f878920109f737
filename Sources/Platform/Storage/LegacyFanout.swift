import Foundation
import GRDB
import StrategyRuntime

/// The fan-out of the signal-only broker, before the order level: its journal entries ("TJ1")
/// and its open positions. Only the `v10-order-level` migration uses this, to expand entries still
/// pending when it runs and to turn open positions into accounts, so an upgrade loses nothing.
enum LegacyFanout {
    static let magic: [UInt8] = Array("TJ1".utf8)

    /// An order of that broker: filled at once, or skipped with a reason.
    struct PaperOrder: Equatable {
        var side: String
        var qty, price, fee: Double
        var purpose: String
        var skipped: String?
    }

    /// One subscriber's part of a TJ1 entry.
    struct Change: Equatable {
        let subscriptionID: Int64
        let userID: Int64
        var orders: [PaperOrder]
        var closed: Trade?
        var closedWithin: [Trade]
        var opened: Position?
    }

    /// Expands every pending entry (all TJ1 when the migration runs) into orders and positions,
    /// each in a savepoint; an entry that cannot be expanded is set aside in `fanout_quarantine`.
    static func projectAll(_ db: Database) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT execution_id, strategy_id, symbol, candle_time, changes FROM fanout_journal ORDER BY execution_id")
        for row in rows {
            let key = QuarantinedEntry.Key(executionID: row[0], strategyID: row[1], symbol: row[2], candleTime: row[3])
            let bytes: [UInt8] = (row[4] as Data?).map { Array($0) } ?? []
            do {
                let changes = try decode(bytes)
                try db.inSavepoint {
                    try write(changes, db: db, executionID: key.executionID, symbol: key.symbol, candleTime: key.candleTime)
                    return .commit
                }
            } catch {
                try PlatformDatabase.quarantine(db, key, bytes: bytes, subscriptions: 0, error: "signal-era entry: \(error)")
            }
            try db.execute(sql: "DELETE FROM fanout_journal WHERE execution_id = ?", arguments: [key.executionID])
        }
        return rows.count
    }

    /// Each open position becomes a futures account holding it (wallet = capital, margin at the
    /// subscription's leverage), with its stop and take-profit as resting reduce-only orders.
    static func convertOpenPositions(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT p.subscription_id, p.symbol, p.side, p.qty, p.entry_price, p.entry_time, p.entry_fee, p.stop_loss, p.take_profit,
                   s.capital, s.leverage, s.user_id
            FROM positions p JOIN subscriptions s ON s.id = p.subscription_id WHERE p.status = 'open'
            """)
        for r in rows {
            let sign: Double = (r[2] as String) == "short" ? -1 : 1
            let qty: Double = r[3], entry: Double = r[4], fee: Double = r[6], capital: Double = r[9]
            let leverage = min(max(r[10] as Double, 1), 125)
            let margin = qty * entry / leverage
            let lp = Account.liquidationPrice(quantity: sign * qty, entry: entry, margin: margin, mmr: 0.005, cum: 0)
            var next: Int64 = 1
            let time: Int64 = r[5]
            for (price, purpose, tag, type) in [(r[7] as Double?, "stop-loss", "sig:sl.0", "stop"), (r[8] as Double?, "take-profit", "sig:tp.0", "limit")] {
                guard let price else { continue }
                try db.execute(sql: """
                    INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time,
                                        order_no, tag, type, limit_price, stop_price, reduce_only, filled, reserved, oco_group, updated_at)
                    VALUES ((SELECT MAX(execution_id) FROM orders WHERE subscription_id = ?), ?, ?, ?, ?, ?, 0, 0, ?, 'new', 'placed', ?, ?,
                            ?, ?, ?, ?, 1, 0, 0, 1, ?)
                    """, arguments: [r[0], r[0], r[11], r[1], sign > 0 ? "sell" : "buy", qty, purpose, time, next, tag, type,
                                     type == "limit" ? price : nil, type == "stop" ? price : nil, time])
                next += 1
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO accounts (subscription_id, symbol, market, leverage, quote_free, base_free, base_cost, position_qty, entry_price,
                                                 margin, liquidation_price, realised_pnl, fees, start_equity, next_order_no, updated_at)
                VALUES (?, ?, 'futures', ?, ?, 0, 0, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                """, arguments: [r[0], r[1], leverage, max(0, capital - margin - fee), sign * qty, entry, margin, lp, fee, capital, next, time])
        }
    }

    static func decode(_ bytes: [UInt8]) throws(Wire.Malformed) -> [Change] {
        var r = Wire.Reader(bytes)
        guard try r.take(3).elementsEqual(magic) else { throw Wire.Malformed(description: "not a TJ1 entry") }
        let count = Int(try r.u32())
        guard count <= bytes.count / 16 else { throw Wire.Malformed(description: "\(count) changes") }
        var changes: [Change] = []
        for _ in 0..<count {
            let sid = try r.i64(), uid = try r.i64()
            let n = Int(try r.u32())
            guard n <= r.remaining / 26 else { throw Wire.Malformed(description: "\(n) orders") }
            var orders: [PaperOrder] = []
            for _ in 0..<n {
                let side = try r.u8() == 0 ? "buy" : "sell"
                orders.append(PaperOrder(side: side, qty: try r.f64(), price: try r.f64(), fee: try r.f64(), purpose: try text(&r),
                                         skipped: try r.u8() == 1 ? try text(&r) : nil))
            }
            let flags = try r.u8()
            guard flags < 4 else { throw Wire.Malformed(description: "flags \(flags)") }
            let closed = flags & 1 != 0 ? try trade(&r) : nil
            let w = Int(try r.u32())
            guard w <= r.remaining / 60 else { throw Wire.Malformed(description: "\(w) trades") }
            var within: [Trade] = []
            for _ in 0..<w { within.append(try trade(&r)) }
            var opened: Position?
            if flags & 2 != 0 {
                let side: PositionSide = try r.u8() == 0 ? .long : .short
                let qty = try r.f64(), entryPrice = try r.f64(), entryTime = try r.i64(), entryFee = try r.f64()
                opened = Position(side: side, qty: qty, entryPrice: entryPrice, entryTime: entryTime, entryFee: entryFee,
                                  stopLoss: try r.u8() == 1 ? try r.f64() : nil, takeProfit: try r.u8() == 1 ? try r.f64() : nil)
            }
            changes.append(Change(subscriptionID: sid, userID: uid, orders: orders, closed: closed, closedWithin: within, opened: opened))
        }
        guard r.atEnd else { throw Wire.Malformed(description: "bytes past the last change") }
        return changes
    }

    private static let words = ["open", "close", "signal", "stop-loss", "take-profit"]

    private static func text(_ r: inout Wire.Reader) throws(Wire.Malformed) -> String {
        let code = try r.u8()
        if Int(code) < words.count { return words[Int(code)] }
        guard code == 255 else { throw Wire.Malformed(description: "text code \(code)") }
        return try r.string()
    }

    private static func trade(_ r: inout Wire.Reader) throws(Wire.Malformed) -> Trade {
        let side: PositionSide = try r.u8() == 0 ? .long : .short
        let entryTime = try r.i64(), exitTime = try r.i64()
        let entryPrice = try r.f64(), exitPrice = try r.f64(), qty = try r.f64(), pnl = try r.f64(), returnPct = try r.f64(), fee = try r.f64()
        return Trade(side: side, entryTime: entryTime, exitTime: exitTime, entryPrice: entryPrice, exitPrice: exitPrice, qty: qty,
                     pnl: pnl, returnPct: returnPct, reason: try text(&r), entryFee: fee)
    }

    /// Writes one entry's orders and position changes, as the signal-only projection did.
    private static func write(_ changes: [Change], db: Database, executionID: Int64, symbol: String, candleTime: Int64) throws {
        for c in changes {
            for o in c.orders {
                try db.execute(sql: """
                    INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, reason, candle_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [executionID, c.subscriptionID, c.userID, symbol, o.side, o.qty, o.price, o.fee, o.purpose,
                                     o.skipped == nil ? "filled" : "skipped", o.skipped, candleTime])
            }
            if let t = c.closed {
                try db.execute(sql: """
                    UPDATE positions SET status = 'closed', exit_price = ?, exit_time = ?, pnl = ?, return_pct = ?, exit_reason = ?
                    WHERE subscription_id = ? AND symbol = ? AND status = 'open'
                    """, arguments: [t.exitPrice, t.exitTime, t.pnl, t.returnPct, t.reason, c.subscriptionID, symbol])
            }
            for t in c.closedWithin {
                try db.execute(sql: """
                    INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee,
                                           exit_price, exit_time, pnl, return_pct, exit_reason, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'closed')
                    """, arguments: [c.subscriptionID, c.userID, symbol, t.side.rawValue, t.qty, t.entryPrice, t.entryTime, t.entryFee,
                                     t.exitPrice, t.exitTime, t.pnl, t.returnPct, t.reason])
            }
            if let p = c.opened {
                try db.execute(sql: """
                    INSERT INTO positions (subscription_id, user_id, symbol, side, qty, entry_price, entry_time, entry_fee, stop_loss, take_profit, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
                    """, arguments: [c.subscriptionID, c.userID, symbol, p.side.rawValue, p.qty, p.entryPrice, p.entryTime, p.entryFee,
                                     p.stopLoss, p.takeProfit])
            }
        }
    }
}
