import StrategyRuntime

/// A strategy's reference account on one symbol (ORDERS.md): what `ctx.account` shows, simulated
/// once per execution on the same paper exchange as the subscribers, with the fills and refusals
/// its strategy has not seen yet.
struct ReferenceState: Sendable, Equatable {
    var book: AccountBook
    /// Fills and refused intents since the strategy's previous call: the market orders it placed
    /// then (they fill at that close, after the call returned), and anything a failed call missed.
    var pendingFills: [Fill]
    var pendingRejections: [Rejection]

    /// A fresh account for `spec`: spot holds the capital in quote, futures a wallet of it.
    static func fresh(_ spec: ReferenceSpec) throws(PlatformError) -> ReferenceState {
        ReferenceState(book: AccountBook(account: try spec.terms().newAccount()), pendingFills: [], pendingRejections: [])
    }

    func encoded() -> [UInt8] {
        var w = Wire.Writer()
        w.raw(Self.magic)
        w.account(book.account)
        w.i64(book.nextOrderID)
        w.u32(UInt32(book.orders.count))
        for o in book.orders { w.order(o) }
        w.u32(UInt32(pendingFills.count))
        for f in pendingFills { w.fill(f) }
        w.u32(UInt32(pendingRejections.count))
        for r in pendingRejections {
            w.tag(r.tag)
            w.u8(FanoutJournal.code(r.reason))
            w.i64(r.time)
        }
        return w.bytes
    }

    static let magic: [UInt8] = Array("TR1".utf8)

    /// - Throws: `PlatformError.storage` when the bytes are not a reference account.
    static func decode(_ bytes: [UInt8], strategyID: Int64, symbol: String) throws(PlatformError) -> ReferenceState {
        do throws(Wire.Malformed) {
            var r = Wire.Reader(bytes)
            guard try r.take(3).elementsEqual(magic) else { throw Wire.Malformed(description: "not a reference account") }
            let account = try r.account()
            let next = try r.i64()
            let orders = try r.list(minimum: 90) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.order() }
            let fills = try r.list(minimum: 60) { (r: inout Wire.Reader) throws(Wire.Malformed) in try r.fill() }
            let rejections = try r.list(minimum: 10) { (r: inout Wire.Reader) throws(Wire.Malformed) -> Rejection in
                let tag = try r.tag()
                let reason: OrderReason = try r.code()
                return Rejection(tag: tag, reason: reason, time: try r.i64())
            }
            guard r.atEnd else { throw Wire.Malformed(description: "bytes past the end") }
            return ReferenceState(book: AccountBook(account: account, orders: orders, nextOrderID: next), pendingFills: fills,
                                  pendingRejections: rejections)
        } catch {
            throw PlatformError(.storage, "the reference account of strategy \(strategyID) on \(symbol) is malformed: \(error)")
        }
    }
}

/// The reference account's part of one execution: match the candle, show the account to the
/// strategy, then place what it returned.
struct ReferenceStep {
    let exchange: PaperExchange
    let terms: SubscriptionTerms
    var state: ReferenceState
    /// The fills and refusals the strategy is shown in this call.
    private var shownFills: [Fill] = []
    private var shownRejections: [Rejection] = []

    /// Matches `bar` against the reference account's resting orders.
    init(state: ReferenceState, exchange: PaperExchange, terms: SubscriptionTerms, bar: Bar) {
        self.exchange = exchange
        self.terms = terms
        var state = state
        var journal = OrderJournal()
        if !state.book.orders.isEmpty || state.book.account.position.quantity != 0 {
            _ = exchange.match(&state.book, candle: bar, into: &journal)
        }
        shownFills = state.pendingFills + journal.fills
        shownRejections = state.pendingRejections
        state.pendingFills = shownFills
        self.state = state
    }

    /// `ctx.account` for this call.
    var accountJSON: String { AccountView.json(state.book, fills: shownFills, rejections: shownRejections) }

    /// `ctx.rules` for this call (fees and mmr as fractions; 0 is no rule).
    static func rulesJSON(_ r: MarketRules) -> String {
        func n(_ v: Double) -> String { v.isFinite ? "\(v)" : "0" }
        return "{\"tick_size\":\(n(r.tickSize)),\"lot_step\":\(n(r.lotStep)),\"min_qty\":\(n(r.minQuantity)),\"min_notional\":\(n(r.minNotional)),"
            + "\"maker_fee\":\(n(r.makerFee)),\"taker_fee\":\(n(r.takerFee)),\"mmr\":\(n(r.mmr)),\"market\":\"\(r.market.rawValue)\"}"
    }

    /// Places what a successful call returned; the strategy has now seen what it was shown.
    ///
    /// - Returns: the intents the reference account accepted: what every subscriber mirrors.
    mutating func apply(_ intents: [OrderIntent], signals: [Signal], bar: Bar) -> [OrderIntent] {
        var journal = OrderJournal()
        let accepted = exchange.placeReference(intents, on: &state.book, close: bar.close, time: bar.time, into: &journal)
        for s in signals { exchange.apply(s, terms: terms, on: &state.book, close: bar.close, time: bar.time, into: &journal) }
        state.pendingFills = journal.fills
        state.pendingRejections = journal.rejections
        return accepted
    }

    /// The account's value at `bar`'s close.
    func equity(at bar: Bar) -> Double { state.book.equity(at: bar.close) }
}
