import StrategyRuntime

/// Accounts, orders, fills, round trips and positions in the runtime's `Wire` codec: the stored
/// reference account ("TR1") and fan-out journal entries written before the compact form ("TJ2").
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
