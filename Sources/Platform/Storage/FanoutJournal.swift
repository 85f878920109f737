import StrategyRuntime

/// The compact binary form of an execution's fan-out ("TJ2"), stored in `fanout_journal` in the
/// execution's own transaction and expanded into the accounts, orders, transitions, fills and
/// positions tables behind it (`projectFanouts`).
///
/// Written and read with the runtime's bounds-checked `Wire` codec; enums are their index in
/// `allCases` (new cases go last). Decoding never trusts the bytes: a malformed row is a typed error.
enum FanoutJournal {
    static let magic: [UInt8] = Array("TJ2".utf8)

    static func encode(_ changes: [FanoutChange]) -> [UInt8] {
        var w = Wire.Writer()
        w.reserve(16 + changes.reduce(0) { $0 + 140 + $1.orders.count * 120 + $1.transitions.count * 19 + $1.fills.count * 80 })
        w.raw(magic)
        w.u32(UInt32(changes.count))
        for c in changes {
            w.i64(c.subscriptionID)
            w.i64(c.userID)
            w.account(c.account)
            w.i64(c.nextOrderID)
            w.i64(c.firstNewOrderID)
            w.u32(UInt32(c.orders.count))
            for o in c.orders { w.order(o) }
            w.u32(UInt32(c.transitions.count))
            for t in c.transitions {
                w.i64(t.orderID)
                w.u8(t.from.map(Self.code) ?? 255)
                w.u8(Self.code(t.to))
                w.i64(t.time)
                w.u8(Self.code(t.reason))
            }
            w.u32(UInt32(c.fills.count))
            for f in c.fills { w.fill(f) }
            w.u32(UInt32(c.trades.count))
            for t in c.trades { w.trade(t) }
            w.u8((c.openChanged ? 1 : 0) | (c.open == nil ? 0 : 2))
            if let p = c.open { w.position(p) }
        }
        return w.bytes
    }

    /// - Throws: `PlatformError.storage` naming `row` when the bytes are not a TJ2 entry.
    static func decode(_ bytes: [UInt8], row: Int64) throws(PlatformError) -> [FanoutChange] {
        do throws(Wire.Malformed) {
            var r = Wire.Reader(bytes)
            guard try r.take(3).elementsEqual(magic) else { throw Wire.Malformed(description: "not a TJ2 entry") }
            let count = Int(try r.u32())
            guard count <= r.remaining / 120 else { throw Wire.Malformed(description: "\(count) changes") }
            var changes: [FanoutChange] = []
            changes.reserveCapacity(count)
            for _ in 0..<count {
                let sid = try r.i64(), uid = try r.i64()
                let account = try r.account()
                let next = try r.i64(), firstNew = try r.i64()
                let orders = try r.list(minimum: 90) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.order() }
                var tags: [Int64: OrderTag] = [:]
                for o in orders { tags[o.id] = o.tag }
                let transitions = try r.list(minimum: 19) { (r: inout Wire.Reader) throws(Wire.Malformed) -> OrderTransition in
                    let id = try r.i64()
                    let from = try r.u8()
                    let to: OrderState = try r.code()
                    let time = try r.i64()
                    let reason: OrderReason = try r.code()
                    guard let tag = tags[id] else { throw Wire.Malformed(description: "a transition of order \(id), which is not listed") }
                    return OrderTransition(orderID: id, tag: tag, from: from == 255 ? nil : try Self.state(from), to: to, time: time,
                                           reason: reason)
                }
                let fills = try r.list(minimum: 60) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.fill() }
                let trades = try r.list(minimum: 60) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.trade() }
                let flags = try r.u8()
                guard flags < 4 else { throw Wire.Malformed(description: "open flags \(flags)") }
                let open = flags & 2 != 0 ? try r.position() : nil
                changes.append(FanoutChange(subscriptionID: sid, userID: uid, account: account, nextOrderID: next, firstNewOrderID: firstNew,
                                            orders: orders, transitions: transitions, fills: fills, trades: trades, open: open,
                                            openChanged: flags & 1 != 0))
            }
            guard r.atEnd else { throw Wire.Malformed(description: "bytes past the last change") }
            return changes
        } catch {
            throw PlatformError(.storage, "fan-out journal entry of execution \(row) is malformed (\(bytes.count) bytes: \(error))")
        }
    }

    static func code<T: JournalCoded>(_ value: T) -> UInt8 { UInt8(T.table.firstIndex(of: value) ?? 0) }

    static func state(_ code: UInt8) throws(Wire.Malformed) -> OrderState {
        guard Int(code) < OrderState.table.count else { throw Wire.Malformed(description: "state \(code)") }
        return OrderState.table[Int(code)]
    }
}

/// An enum stored as one byte: its index in `table` (its cases in declaration order; new cases go last).
protocol JournalCoded: CaseIterable, Equatable {
    static var table: [Self] { get }
}

extension OrderSide: JournalCoded { static let table = Array(allCases) }
extension OrderType: JournalCoded { static let table = Array(allCases) }
extension OrderState: JournalCoded { static let table = Array(allCases) }
extension OrderReason: JournalCoded { static let table = Array(allCases) }
extension OrderPurpose: JournalCoded { static let table = Array(allCases) }
extension MarketKind: JournalCoded { static let table = Array(allCases) }

extension Wire.Writer {
    mutating func account(_ a: Account) {
        u8(FanoutJournal.code(a.market))
        for v in [a.leverage, a.quoteFree, a.baseFree, a.baseCost, a.position.quantity, a.position.entryPrice, a.position.margin,
                  a.position.liquidationPrice, a.realisedPnl, a.fees, a.startEquity] { f64(v) }
    }

    mutating func tag(_ t: OrderTag) {
        let bytes = t.utf8
        u8(UInt8(bytes.count))
        raw(bytes)
    }

    mutating func order(_ o: Order) {
        i64(o.id)
        tag(o.tag)
        u8(FanoutJournal.code(o.side))
        u8(FanoutJournal.code(o.type))
        f64(o.quantity)
        optional(o.price)
        optional(o.stopPrice)
        u8(o.reduceOnly ? 1 : 0)
        u8(FanoutJournal.code(o.purpose))
        i64(o.ocoGroup)
        u8(FanoutJournal.code(o.state))
        for v in [o.filled, o.averagePrice, o.fees, o.reserved] { f64(v) }
        i64(o.placedAt)
        i64(o.updatedAt)
        u8(FanoutJournal.code(o.reason))
    }

    mutating func fill(_ f: Fill) {
        i64(f.orderID)
        tag(f.tag)
        u8(FanoutJournal.code(f.side))
        for v in [f.price, f.quantity, f.fee] { f64(v) }
        i64(f.time)
        u8((f.liquidation ? 1 : 0) | (f.maker ? 2 : 0))
        f64(f.realisedPnl)
        f64(f.positionAfter)
        u8(FanoutJournal.code(f.purpose))
    }

    mutating func trade(_ t: Trade) {
        u8(t.side == .long ? 0 : 1)
        i64(t.entryTime)
        i64(t.exitTime)
        for v in [t.entryPrice, t.exitPrice, t.qty, t.pnl, t.returnPct, t.entryFee] { f64(v) }
        string(t.reason)
    }

    mutating func position(_ p: Position) {
        u8(p.side == .long ? 0 : 1)
        f64(p.qty)
        f64(p.entryPrice)
        i64(p.entryTime)
        f64(p.entryFee)
        optional(p.stopLoss)
        optional(p.takeProfit)
    }
}

extension Wire.Reader {
    mutating func code<T: JournalCoded>() throws(Wire.Malformed) -> T {
        let c = Int(try u8())
        guard c < T.table.count else { throw Wire.Malformed(description: "\(T.self) code \(c)") }
        return T.table[c]
    }

    /// A count, then that many elements; a count the remaining bytes cannot hold is refused first.
    mutating func list<T>(minimum size: Int, _ element: (inout Wire.Reader) throws(Wire.Malformed) -> T) throws(Wire.Malformed) -> [T] {
        let n = Int(try u32())
        guard n <= remaining / size else { throw Wire.Malformed(description: "\(n) elements overrun the entry") }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    mutating func account() throws(Wire.Malformed) -> Account {
        let market: MarketKind = try code()
        let v = try (0..<11).map { _ throws(Wire.Malformed) in try f64() }
        return Account(market: market, leverage: v[0], quoteFree: v[1], baseFree: v[2], baseCost: v[3],
                       position: NetPosition(quantity: v[4], entryPrice: v[5], margin: v[6], liquidationPrice: v[7]),
                       realisedPnl: v[8], fees: v[9], startEquity: v[10])
    }

    mutating func tag() throws(Wire.Malformed) -> OrderTag {
        let n = Int(try u8())
        guard let t = OrderTag(String(decoding: try take(n), as: UTF8.self)) else { throw Wire.Malformed(description: "bad order tag") }
        return t
    }

    mutating func order() throws(Wire.Malformed) -> Order {
        let id = try i64(), tag = try tag()
        let side: OrderSide = try code(), type: OrderType = try code()
        let quantity = try f64(), price = try optional(), stopPrice = try optional()
        let reduceOnly = try u8() == 1
        let purpose: OrderPurpose = try code()
        let oco = try i64()
        let state: OrderState = try code()
        let filled = try f64(), average = try f64(), fees = try f64(), reserved = try f64()
        let placedAt = try i64(), updatedAt = try i64()
        return Order(id: id, tag: tag, side: side, type: type, quantity: quantity, price: price, stopPrice: stopPrice, reduceOnly: reduceOnly,
                     purpose: purpose, ocoGroup: oco, state: state, filled: filled, averagePrice: average, fees: fees, reserved: reserved,
                     placedAt: placedAt, updatedAt: updatedAt, reason: try code())
    }

    mutating func fill() throws(Wire.Malformed) -> Fill {
        let id = try i64(), tag = try tag()
        let side: OrderSide = try code()
        let price = try f64(), quantity = try f64(), fee = try f64(), time = try i64()
        let flags = try u8()
        let realised = try f64(), after = try f64()
        return Fill(orderID: id, tag: tag, side: side, price: price, quantity: quantity, fee: fee, time: time, liquidation: flags & 1 != 0,
                    maker: flags & 2 != 0, realisedPnl: realised, positionAfter: after, purpose: try code())
    }

    mutating func trade() throws(Wire.Malformed) -> Trade {
        let side: PositionSide = try u8() == 0 ? .long : .short
        let entryTime = try i64(), exitTime = try i64()
        let entryPrice = try f64(), exitPrice = try f64(), qty = try f64(), pnl = try f64(), returnPct = try f64(), fee = try f64()
        return Trade(side: side, entryTime: entryTime, exitTime: exitTime, entryPrice: entryPrice, exitPrice: exitPrice, qty: qty,
                     pnl: pnl, returnPct: returnPct, reason: try string(max: 64), entryFee: fee)
    }

    mutating func position() throws(Wire.Malformed) -> Position {
        let side: PositionSide = try u8() == 0 ? .long : .short
        let qty = try f64(), entryPrice = try f64(), entryTime = try i64(), entryFee = try f64()
        return Position(side: side, qty: qty, entryPrice: entryPrice, entryTime: entryTime, entryFee: entryFee,
                        stopLoss: try optional(), takeProfit: try optional())
    }
}
