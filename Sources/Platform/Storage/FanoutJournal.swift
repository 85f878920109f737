import Foundation

/// The compact binary form of an execution's fan-out, stored in `fanout_journal` in the
/// execution's own transaction and expanded into the `orders` and `positions` tables behind it.
///
/// Little-endian; strings the broker uses often are one byte. Decoding never trusts the bytes:
/// every read is bounds-checked and a malformed row is a typed error.
enum FanoutJournal {
    static let magic: [UInt8] = Array("TJ1".utf8)

    static func encode(_ changes: [FanoutChange]) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(16 + changes.count * 160)
        w.bytes += magic
        w.u32(UInt32(changes.count))
        for c in changes {
            w.i64(c.subscriptionID)
            w.i64(c.userID)
            w.u32(UInt32(c.orders.count))
            for o in c.orders {
                w.u8(o.side == .buy ? 0 : 1)
                w.f64(o.qty); w.f64(o.price); w.f64(o.fee)
                w.text(o.purpose)
                w.optionalText(o.skipped)
            }
            w.u8((c.closed == nil ? 0 : 1) | (c.opened == nil ? 0 : 2))
            if let t = c.closed { w.trade(t) }
            w.u32(UInt32(c.closedWithin.count))
            for t in c.closedWithin { w.trade(t) }
            if let p = c.opened { w.position(p) }
        }
        return w.bytes
    }

    /// - Throws: `PlatformError.storage` naming `row` when the bytes are not a journal entry.
    static func decode(_ bytes: [UInt8], row: Int64) throws(PlatformError) -> [FanoutChange] {
        var r = Reader(bytes: bytes)
        do throws(Reader.Malformed) {
            guard try r.take(3).elementsEqual(magic) else { throw Reader.Malformed() }
            let count = Int(try r.u32())
            guard count <= bytes.count / 16 else { throw Reader.Malformed() }  // at least 16 bytes per entry
            var changes: [FanoutChange] = []
            changes.reserveCapacity(count)
            for _ in 0..<count {
                let sid = try r.i64(), uid = try r.i64()
                let n = Int(try r.u32())
                guard n <= r.remaining / 26 else { throw Reader.Malformed() }
                var orders: [PaperOrder] = []
                orders.reserveCapacity(n)
                for _ in 0..<n {
                    let side: PaperOrder.Side = try r.side() == .long ? .buy : .sell
                    orders.append(PaperOrder(side: side, qty: try r.f64(), price: try r.f64(), fee: try r.f64(),
                                             purpose: try r.text(), skipped: try r.optionalText()))
                }
                let flags = try r.u8()
                guard flags < 4 else { throw Reader.Malformed() }
                let closed = flags & 1 != 0 ? try r.trade() : nil
                let w = Int(try r.u32())
                guard w <= r.remaining / 60 else { throw Reader.Malformed() }
                var within: [Trade] = []
                for _ in 0..<w { within.append(try r.trade()) }
                let opened = flags & 2 != 0 ? try r.position() : nil
                changes.append(FanoutChange(subscriptionID: sid, userID: uid, orders: orders, closed: closed, closedWithin: within,
                                            opened: opened))
            }
            guard r.remaining == 0 else { throw Reader.Malformed() }
            return changes
        } catch {
            throw PlatformError(.storage, "fan-out journal entry of execution \(row) is malformed (\(bytes.count) bytes)")
        }
    }

    /// Strings the broker writes, one byte each; anything else is spelled out.
    private static let words = ["open", "close", "signal", "stop-loss", "take-profit"]

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func f64(_ v: Double) { i64(Int64(bitPattern: v.bitPattern)) }

        mutating func text(_ s: String) {
            if let i = FanoutJournal.words.firstIndex(of: s) { return u8(UInt8(i)) }
            let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
            u8(255)
            u32(UInt32(utf8.count))
            bytes += utf8
        }

        mutating func optionalText(_ s: String?) {
            guard let s else { return u8(0) }
            u8(1)
            text(s)
        }

        mutating func optionalF64(_ v: Double?) {
            guard let v else { return u8(0) }
            u8(1)
            f64(v)
        }

        mutating func trade(_ t: Trade) {
            u8(t.side == .long ? 0 : 1)
            i64(t.entryTime); i64(t.exitTime)
            f64(t.entryPrice); f64(t.exitPrice); f64(t.qty); f64(t.pnl); f64(t.returnPct); f64(t.entryFee)
            text(t.reason)
        }

        mutating func position(_ p: Position) {
            u8(p.side == .long ? 0 : 1)
            f64(p.qty); f64(p.entryPrice); i64(p.entryTime); f64(p.entryFee)
            optionalF64(p.stopLoss)
            optionalF64(p.takeProfit)
        }
    }

    private struct Reader {
        struct Malformed: Error {}
        let bytes: [UInt8]
        var at = 0
        var remaining: Int { bytes.count - at }

        mutating func take(_ n: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard n >= 0, n <= remaining else { throw Malformed() }
            defer { at += n }
            return bytes[at..<at + n]
        }

        mutating func u8() throws(Malformed) -> UInt8 { try take(1).first! }

        mutating func u32() throws(Malformed) -> UInt32 {
            try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func i64() throws(Malformed) -> Int64 {
            Int64(bitPattern: try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }

        mutating func f64() throws(Malformed) -> Double { Double(bitPattern: UInt64(bitPattern: try i64())) }

        mutating func text() throws(Malformed) -> String {
            let code = try u8()
            if Int(code) < FanoutJournal.words.count { return FanoutJournal.words[Int(code)] }
            guard code == 255 else { throw Malformed() }
            let n = Int(try u32())
            guard let s = String(validating: try take(n), as: UTF8.self) else { throw Malformed() }
            return s
        }

        mutating func optionalText() throws(Malformed) -> String? {
            switch try u8() {
            case 0: return nil
            case 1: return try text()
            default: throw Malformed()
            }
        }

        mutating func optionalF64() throws(Malformed) -> Double? {
            switch try u8() {
            case 0: return nil
            case 1: return try f64()
            default: throw Malformed()
            }
        }

        mutating func side() throws(Malformed) -> PositionSide {
            switch try u8() {
            case 0: return .long
            case 1: return .short
            default: throw Malformed()
            }
        }

        mutating func trade() throws(Malformed) -> Trade {
            let side = try side()
            let entryTime = try i64(), exitTime = try i64()
            let entryPrice = try f64(), exitPrice = try f64(), qty = try f64(), pnl = try f64(), returnPct = try f64(), fee = try f64()
            return Trade(side: side, entryTime: entryTime, exitTime: exitTime, entryPrice: entryPrice, exitPrice: exitPrice, qty: qty,
                         pnl: pnl, returnPct: returnPct, reason: try text(), entryFee: fee)
        }

        mutating func position() throws(Malformed) -> Position {
            let side = try side()
            let qty = try f64(), entryPrice = try f64(), entryTime = try i64(), entryFee = try f64()
            return Position(side: side, qty: qty, entryPrice: entryPrice, entryTime: entryTime, entryFee: entryFee,
                            stopLoss: try optionalF64(), takeProfit: try optionalF64())
        }
    }
}
