import StrategyRuntime

extension FanoutJournal {
    /// An order's row of the shape table, as read back.
    private struct ReadShape {
        let tag: OrderTag
        let side: OrderSide, type: OrderType, purpose: OrderPurpose
        let reduceOnly: Bool
        let price: Double?, stopPrice: Double?
        let placedAt: Int64
    }

    /// Reads a TJ3 entry back into the changes `Encoder` was given.
    struct Decoder {
        private var r: JournalReader
        private let base: Int64
        private var shapes: [ReadShape] = []
        private var tags: [OrderTag] = []
        private var reasons: [String] = []

        init(_ bytes: [UInt8]) throws(Wire.Malformed) {
            r = JournalReader(bytes)
            try r.expect(FanoutJournal.magic)
            base = try r.signed()
            for _ in 0..<(try r.count(minimum: 6)) {
                let tag = try Self.tag(&r)
                let side: OrderSide = try code(), type: OrderType = try code(), purpose: OrderPurpose = try code()
                let flags = try r.u8()
                guard flags < 8 else { throw Wire.Malformed(description: "shape flags \(flags)") }
                let price = flags & 2 != 0 ? try r.f64() : nil
                let stop = flags & 4 != 0 ? try r.f64() : nil
                shapes.append(ReadShape(tag: tag, side: side, type: type, purpose: purpose, reduceOnly: flags & 1 != 0, price: price,
                                        stopPrice: stop, placedAt: try time()))
            }
            for _ in 0..<(try r.count(minimum: 2)) { tags.append(try Self.tag(&r)) }
            for _ in 0..<(try r.count(minimum: 1)) { reasons.append(try r.text(max: 64)) }
        }

        mutating func changes() throws(Wire.Malformed) -> [FanoutChange] {
            let n = try r.count(minimum: 12)
            var out: [FanoutChange] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try change()) }
            guard r.atEnd else { throw Wire.Malformed(description: "bytes past the last change") }
            return out
        }

        private mutating func change() throws(Wire.Malformed) -> FanoutChange {
            let sid = Int64(bitPattern: try r.varint()), uid = Int64(bitPattern: try r.varint())
            let account = try account()
            let next = try r.signed()
            let firstNew = next &- (try r.signed())
            var orders: [Order] = []
            var previous = firstNew
            for _ in 0..<(try r.count(minimum: 5)) {
                let o = try order(after: previous)
                orders.append(o)
                previous = o.id
            }
            var transitions: [OrderTransition] = []
            previous = firstNew
            for _ in 0..<(try r.count(minimum: 5)) {
                let id = previous &+ (try r.signed())
                previous = id
                let from = try r.u8()
                let to: OrderState = try code(), reason: OrderReason = try code()
                guard let tag = orders.first(where: { $0.id == id })?.tag else {
                    throw Wire.Malformed(description: "a transition of order \(id), which is not listed")
                }
                transitions.append(OrderTransition(orderID: id, tag: tag, from: from == 255 ? nil : try FanoutJournal.state(from), to: to,
                                                   time: try time(), reason: reason))
            }
            var fills: [Fill] = []
            previous = firstNew
            for _ in 0..<(try r.count(minimum: 3)) {
                let f = try fill(after: previous, orders: orders)
                fills.append(f)
                previous = f.orderID
            }
            var trades: [Trade] = []
            for _ in 0..<(try r.count(minimum: 26)) { trades.append(try trade(fills: fills, previous: trades.last)) }
            let flags = try r.u8()
            guard flags < 4 else { throw Wire.Malformed(description: "open flags \(flags)") }
            let open = flags & 2 != 0 ? try position() : nil
            return FanoutChange(subscriptionID: sid, userID: uid, account: account, nextOrderID: next, firstNewOrderID: firstNew,
                                orders: orders, transitions: transitions, fills: fills, trades: trades, open: open,
                                openChanged: flags & 1 != 0)
        }

        private mutating func account() throws(Wire.Malformed) -> Account {
            let market: MarketKind = try code()
            let mask = UInt16(try r.u8()) | UInt16(try r.u8()) << 8
            guard mask < 1 << 11 else { throw Wire.Malformed(description: "account mask \(mask)") }
            var v = [Double](repeating: 0, count: 11)
            for i in 0..<11 where mask & (1 << i) != 0 { v[i] = try r.f64() }
            return Account(market: market, leverage: v[0], quoteFree: v[1], baseFree: v[2], baseCost: v[3],
                           position: NetPosition(quantity: v[4], entryPrice: v[5], margin: v[6], liquidationPrice: v[7]),
                           realisedPnl: v[8], fees: v[9], startEquity: v[10])
        }

        private mutating func order(after previous: Int64) throws(Wire.Malformed) -> Order {
            let id = previous &+ (try r.signed())
            let s = shapes[try r.index(below: shapes.count)]
            let state: OrderState = try code(), reason: OrderReason = try code()
            typealias B = OrderBits
            let mask = try r.u8()
            guard mask & (B.whole | B.filled) != (B.whole | B.filled) else { throw Wire.Malformed(description: "order mask \(mask)") }
            let quantity = mask & B.quantity != 0 ? try r.f64() : 0
            let filled = mask & B.whole != 0 ? quantity : mask & B.filled != 0 ? try r.f64() : 0
            let average = mask & B.average != 0 ? try r.f64() : 0
            let fees = mask & B.fees != 0 ? try r.f64() : 0
            let reserved = mask & B.reserved != 0 ? try r.f64() : 0
            let oco = mask & B.oco != 0 ? try r.signed() : 0
            let updated = mask & B.updated != 0 ? s.placedAt &+ (try r.signed()) : s.placedAt
            return Order(id: id, tag: s.tag, side: s.side, type: s.type, quantity: quantity, price: s.price, stopPrice: s.stopPrice,
                         reduceOnly: s.reduceOnly, purpose: s.purpose, ocoGroup: oco, state: state, filled: filled, averagePrice: average,
                         fees: fees, reserved: reserved, placedAt: s.placedAt, updatedAt: updated, reason: reason)
        }

        private mutating func fill(after previous: Int64, orders: [Order]) throws(Wire.Malformed) -> Fill {
            let id = previous &+ (try r.signed())
            typealias B = FillBits
            let flags = try r.u8()
            guard flags < 64 else { throw Wire.Malformed(description: "fill flags \(flags)") }
            let tag: OrderTag, side: OrderSide, purpose: OrderPurpose, price: Double, quantity: Double, fee: Double
            if flags & B.asOrder != 0 {
                guard let o = orders.first(where: { $0.id == id }) else {
                    throw Wire.Malformed(description: "a fill of order \(id), which is not listed")
                }
                (tag, side, purpose, price, quantity, fee) = (o.tag, o.side, o.purpose, o.averagePrice, o.filled, o.fees)
            } else {
                tag = tags[try r.index(below: tags.count)]
                side = try code()
                purpose = try code()
                price = try r.f64()
                quantity = try r.f64()
                fee = flags & B.fee != 0 ? try r.f64() : 0
            }
            let time = try time()
            let realised = flags & B.realised != 0 ? try r.f64() : 0
            let after = flags & B.after != 0 ? try r.f64() : 0
            return Fill(orderID: id, tag: tag, side: side, price: price, quantity: quantity, fee: fee, time: time,
                        liquidation: flags & B.liquidation != 0, maker: flags & B.maker != 0, realisedPnl: realised, positionAfter: after,
                        purpose: purpose)
        }

        private mutating func trade(fills: [Fill], previous: Trade?) throws(Wire.Malformed) -> Trade {
            typealias B = TradeBits
            let flags = try r.u8()
            guard flags < 8 else { throw Wire.Malformed(description: "trade flags \(flags)") }
            let closer = flags & B.byFill != 0 ? fills[try r.index(below: fills.count)] : nil
            let entryTime: Int64, entryPrice: Double
            if flags & B.sameEntry != 0 {
                guard let p = previous else { throw Wire.Malformed(description: "a first round trip entered as the one before") }
                (entryTime, entryPrice) = (p.entryTime, p.entryPrice)
            } else {
                entryTime = try time()
                entryPrice = try r.f64()
            }
            let exitTime: Int64, exitPrice: Double, qty: Double
            if let closer {
                (exitTime, exitPrice, qty) = (closer.time, closer.price, closer.quantity)
            } else {
                exitTime = try time()
                exitPrice = try r.f64()
                qty = try r.f64()
            }
            let pnl = try r.f64(), returnPct = try r.f64(), fee = try r.f64()
            return Trade(side: flags & B.short == 0 ? .long : .short, entryTime: entryTime, exitTime: exitTime, entryPrice: entryPrice,
                         exitPrice: exitPrice, qty: qty, pnl: pnl, returnPct: returnPct,
                         reason: reasons[try r.index(below: reasons.count)], entryFee: fee)
        }

        private mutating func position() throws(Wire.Malformed) -> Position {
            let flags = try r.u8()
            guard flags < 8 else { throw Wire.Malformed(description: "position flags \(flags)") }
            let qty = try r.f64(), entryPrice = try r.f64(), entryTime = try time(), entryFee = try r.f64()
            return Position(side: flags & 1 == 0 ? .long : .short, qty: qty, entryPrice: entryPrice, entryTime: entryTime,
                            entryFee: entryFee, stopLoss: flags & 2 != 0 ? try r.f64() : nil,
                            takeProfit: flags & 4 != 0 ? try r.f64() : nil)
        }

        private mutating func time() throws(Wire.Malformed) -> Int64 { base &+ (try r.signed()) }

        private mutating func code<T: JournalCoded>() throws(Wire.Malformed) -> T {
            let c = Int(try r.u8())
            guard c < T.table.count else { throw Wire.Malformed(description: "\(T.self) code \(c)") }
            return T.table[c]
        }

        private static func tag(_ r: inout JournalReader) throws(Wire.Malformed) -> OrderTag {
            guard let t = OrderTag(try r.text(max: OrderTag.maxLength)) else { throw Wire.Malformed(description: "bad order tag") }
            return t
        }
    }
}
