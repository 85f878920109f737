import StrategyRuntime

extension FanoutJournal {
    /// What the orders of an entry share, stored once at its head; each order names its row.
    struct Shape: Hashable {
        let tag: OrderTag
        let side: UInt8, type: UInt8, purpose: UInt8
        let reduceOnly: Bool
        /// Bit patterns, so that equal means the same bytes.
        let price: UInt64?, stopPrice: UInt64?
        let placedAt: Int64

        init(_ o: Order) {
            tag = o.tag
            side = FanoutJournal.code(o.side)
            type = FanoutJournal.code(o.type)
            purpose = FanoutJournal.code(o.purpose)
            reduceOnly = o.reduceOnly
            price = o.price?.bitPattern
            stopPrice = o.stopPrice?.bitPattern
            placedAt = o.placedAt
        }
    }

    /// Bits of an order's mask: which numbers follow (the others are zero).
    enum OrderBits {
        static let quantity: UInt8 = 1, filled: UInt8 = 2, average: UInt8 = 4, fees: UInt8 = 8, reserved: UInt8 = 16
        static let oco: UInt8 = 32, updated: UInt8 = 64
        /// Filled completely: `filled` is `quantity`, not written again.
        static let whole: UInt8 = 128
    }

    /// Bits of a fill's flags.
    enum FillBits {
        static let liquidation: UInt8 = 1, maker: UInt8 = 2, fee: UInt8 = 4, realised: UInt8 = 8, after: UInt8 = 16
        /// The order it filled is listed in the change and this was its one fill: the tag, side,
        /// purpose, price, quantity and fee are the order's, not written again.
        static let asOrder: UInt8 = 32
    }

    /// Bits of a round trip's flags.
    enum TradeBits {
        static let short: UInt8 = 1
        /// Closed by one of the change's fills at its price, time and quantity: its index follows.
        static let byFill: UInt8 = 2
        /// Entered at the price and time of the change's previous round trip.
        static let sameEntry: UInt8 = 4
    }

    /// A table written once at the head of an entry (order shapes, fill tags, round-trip
    /// reasons): each distinct value gets a row. A value's row is guessed first from the row used
    /// at the same position last time (subscribers mirror the same orders in the same order, so
    /// the guess is nearly always right and costs one comparison instead of a hash).
    struct RowTable<Value: Hashable> {
        private(set) var values: [Value] = []
        private var rows: [Value: Int] = [:]
        private var guesses: [Int] = []

        mutating func row(_ value: Value, position: Int) -> Int {
            if position < guesses.count, values[guesses[position]] == value { return guesses[position] }
            let row: Int
            if let known = rows[value] {
                row = known
            } else {
                row = values.count
                values.append(value)
                rows[value] = row
            }
            if position < guesses.count { guesses[position] = row } else { guesses.append(row) }
            return row
        }
    }

    /// Writes one entry: the changes into a body, the tables they name into the head.
    struct Encoder: ~Copyable {
        /// Times are written relative to it (the candle of the entry's first transition).
        let base: Int64
        private var total = 0
        private var body: JournalWriter
        private var shapes = RowTable<Shape>()
        private var tags = RowTable<OrderTag>()
        private var reasons = RowTable<String>()

        /// - Parameters:
        ///   - base: times are written relative to it (the candle of the execution).
        ///   - capacity: bytes to reserve (about 300 per subscriber placing ten orders).
        init(base: Int64, capacity: Int) {
            self.base = base
            body = JournalWriter(capacity: capacity)
        }

        mutating func change(_ c: FanoutChange) {
            total += 1
            body.varint(UInt64(bitPattern: c.subscriptionID))
            body.varint(UInt64(bitPattern: c.userID))
            account(c.account)
            body.signed(c.nextOrderID)
            body.signed(c.nextOrderID &- c.firstNewOrderID)
            body.count(c.orders.count)
            var previous = c.firstNewOrderID
            for (j, o) in c.orders.enumerated() {
                order(o, after: previous, position: j)
                previous = o.id
            }
            body.count(c.transitions.count)
            previous = c.firstNewOrderID
            for t in c.transitions {
                body.signed(t.orderID &- previous)
                previous = t.orderID
                body.u8(t.from.map(FanoutJournal.code) ?? 255)
                body.u8(FanoutJournal.code(t.to))
                body.u8(FanoutJournal.code(t.reason))
                body.signed(t.time &- base)
            }
            body.count(c.fills.count)
            previous = c.firstNewOrderID
            for (j, f) in c.fills.enumerated() {
                fill(f, after: previous, position: j, orders: c.orders)
                previous = f.orderID
            }
            body.count(c.trades.count)
            for (j, t) in c.trades.enumerated() { trade(t, fills: c.fills, previous: j > 0 ? c.trades[j - 1] : nil) }
            body.u8((c.openChanged ? 1 : 0) | (c.open == nil ? 0 : 2))
            if let p = c.open { position(p) }
        }

        /// The entry: magic, base time, the tables, then the changes.
        func finish() -> [UInt8] {
            var head = JournalWriter(capacity: 64 + shapes.values.count * 40)
            head.raw(FanoutJournal.magic)
            head.signed(base)
            head.count(shapes.values.count)
            for s in shapes.values {
                head.text(utf8: s.tag.description.utf8)
                head.u8(s.side)
                head.u8(s.type)
                head.u8(s.purpose)
                head.u8((s.reduceOnly ? 1 : 0) | (s.price == nil ? 0 : 2) | (s.stopPrice == nil ? 0 : 4))
                if let p = s.price { head.f64(Double(bitPattern: p)) }
                if let p = s.stopPrice { head.f64(Double(bitPattern: p)) }
                head.signed(s.placedAt &- base)
            }
            head.count(tags.values.count)
            for t in tags.values { head.text(utf8: t.description.utf8) }
            head.count(reasons.values.count)
            for r in reasons.values { head.text(utf8: r.utf8) }
            head.count(total)
            return head.joined(with: body)
        }

        private mutating func account(_ a: Account) {
            let values = (a.leverage, a.quoteFree, a.baseFree, a.baseCost, a.position.quantity, a.position.entryPrice, a.position.margin,
                          a.position.liquidationPrice, a.realisedPnl, a.fees, a.startEquity)
            var mask: UInt16 = 0
            withUnsafeBytes(of: values) { raw in
                for i in 0..<11 where raw.load(fromByteOffset: i * 8, as: UInt64.self) != 0 { mask |= 1 << i }
            }
            body.u8(FanoutJournal.code(a.market))
            body.u8(UInt8(truncatingIfNeeded: mask))
            body.u8(UInt8(truncatingIfNeeded: mask >> 8))
            withUnsafeBytes(of: values) { raw in
                for i in 0..<11 where mask & (1 << i) != 0 { body.f64(raw.load(fromByteOffset: i * 8, as: Double.self)) }
            }
        }

        private mutating func order(_ o: Order, after previous: Int64, position: Int) {
            body.signed(o.id &- previous)
            body.count(shapes.row(Shape(o), position: position))
            body.u8(FanoutJournal.code(o.state))
            body.u8(FanoutJournal.code(o.reason))
            typealias B = OrderBits
            var mask: UInt8 = 0
            if o.quantity.bitPattern != 0 { mask |= B.quantity }
            if o.filled.bitPattern == o.quantity.bitPattern && o.filled.bitPattern != 0 {
                mask |= B.whole
            } else if o.filled.bitPattern != 0 {
                mask |= B.filled
            }
            if o.averagePrice.bitPattern != 0 { mask |= B.average }
            if o.fees.bitPattern != 0 { mask |= B.fees }
            if o.reserved.bitPattern != 0 { mask |= B.reserved }
            if o.ocoGroup != 0 { mask |= B.oco }
            if o.updatedAt != o.placedAt { mask |= B.updated }
            body.u8(mask)
            if mask & B.quantity != 0 { body.f64(o.quantity) }
            if mask & B.filled != 0 { body.f64(o.filled) }
            if mask & B.average != 0 { body.f64(o.averagePrice) }
            if mask & B.fees != 0 { body.f64(o.fees) }
            if mask & B.reserved != 0 { body.f64(o.reserved) }
            if mask & B.oco != 0 { body.signed(o.ocoGroup) }
            if mask & B.updated != 0 { body.signed(o.updatedAt &- o.placedAt) }
        }

        private mutating func fill(_ f: Fill, after previous: Int64, position: Int, orders: [Order]) {
            body.signed(f.orderID &- previous)
            typealias B = FillBits
            var flags: UInt8 = (f.liquidation ? B.liquidation : 0) | (f.maker ? B.maker : 0)
            if f.fee.bitPattern != 0 { flags |= B.fee }
            if f.realisedPnl.bitPattern != 0 { flags |= B.realised }
            if f.positionAfter.bitPattern != 0 { flags |= B.after }
            if f.orderID != 0, let o = orders.first(where: { $0.id == f.orderID }), Self.isOnlyFill(f, of: o) { flags |= B.asOrder }
            body.u8(flags)
            if flags & B.asOrder == 0 {
                body.count(tags.row(f.tag, position: position))
                body.u8(FanoutJournal.code(f.side))
                body.u8(FanoutJournal.code(f.purpose))
                body.f64(f.price)
                body.f64(f.quantity)
                if flags & B.fee != 0 { body.f64(f.fee) }
            }
            body.signed(f.time &- base)
            if flags & B.realised != 0 { body.f64(f.realisedPnl) }
            if flags & B.after != 0 { body.f64(f.positionAfter) }
        }

        /// Whether `f` is `o`'s one fill: everything the fill repeats from the order is the same bits.
        static func isOnlyFill(_ f: Fill, of o: Order) -> Bool {
            o.tag == f.tag && o.side == f.side && o.purpose == f.purpose && o.averagePrice.bitPattern == f.price.bitPattern
                && o.filled.bitPattern == f.quantity.bitPattern && o.fees.bitPattern == f.fee.bitPattern
        }

        private mutating func trade(_ t: Trade, fills: [Fill], previous: Trade?) {
            typealias B = TradeBits
            var flags: UInt8 = t.side == .long ? 0 : B.short
            let closer = fills.firstIndex { $0.time == t.exitTime && $0.price.bitPattern == t.exitPrice.bitPattern
                && $0.quantity.bitPattern == t.qty.bitPattern }
            if closer != nil { flags |= B.byFill }
            if let p = previous, p.entryTime == t.entryTime, p.entryPrice.bitPattern == t.entryPrice.bitPattern { flags |= B.sameEntry }
            body.u8(flags)
            if let closer { body.count(closer) }
            if flags & B.sameEntry == 0 {
                body.signed(t.entryTime &- base)
                body.f64(t.entryPrice)
            }
            if closer == nil {
                body.signed(t.exitTime &- base)
                body.f64(t.exitPrice)
                body.f64(t.qty)
            }
            body.f64(t.pnl)
            body.f64(t.returnPct)
            body.f64(t.entryFee)
            body.count(reasons.row(t.reason, position: 0))
        }

        private mutating func position(_ p: Position) {
            body.u8((p.side == .long ? 0 : 1) | (p.stopLoss == nil ? 0 : 2) | (p.takeProfit == nil ? 0 : 4))
            body.f64(p.qty)
            body.f64(p.entryPrice)
            body.signed(p.entryTime &- base)
            body.f64(p.entryFee)
            if let v = p.stopLoss { body.f64(v) }
            if let v = p.takeProfit { body.f64(v) }
        }
    }
}
