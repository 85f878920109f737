import StrategyRuntime

/// One account walked over candles in memory, on the same paper exchange as live execution: the
/// coordinator's reference-account step (`match` the candle, show `ctx.account`, then place what
/// the strategy returned) without a database row per candle. With one subscriber whose terms
/// are the reference's, the subscriber mirrors this account one to one, so a vectorised backtest
/// walks only this.
struct AccountWalk {
    let exchange: PaperExchange
    let terms: SubscriptionTerms
    var book: AccountBook
    private(set) var ledger = TradeLedger()
    private(set) var trades: [Trade] = []
    private(set) var fills: [Fill] = []
    /// Orders as they left the book, in that order.
    private(set) var closedOrders: [Order] = []
    /// The account's equity at the close of every walked candle.
    private(set) var equity: [Double] = []
    /// Fills and refusals the strategy has not been shown yet (ReferenceState's).
    private var pendingFills: [Fill] = []
    private var pendingRejections: [Rejection] = []
    private var journal = OrderJournal()

    init(exchange: PaperExchange, terms: SubscriptionTerms) {
        self.exchange = exchange
        self.terms = terms
        book = AccountBook(account: terms.newAccount())
    }

    /// Matches `bar` against the resting orders.
    mutating func match(_ bar: Bar) {
        guard !book.orders.isEmpty || book.account.position.quantity != 0 else { return }
        journal.removeAll()
        _ = exchange.match(&book, candle: bar, into: &journal)
        if !journal.fills.isEmpty || !journal.closed.isEmpty || !journal.transitions.isEmpty { shownJSON = nil }
        absorb()
        pendingFills += journal.fills
    }

    /// `ctx.account` before the strategy's call on the candle just matched; kept while nothing
    /// filled or was placed (the account view shows no prices, so it changes only then).
    mutating func accountJSON() -> String {
        if let json = shownJSON { return json }
        let json = AccountView.json(book, fills: pendingFills, rejections: pendingRejections)
        shownJSON = json
        return json
    }

    private var shownJSON: String?

    /// Places what a successful call returned at `bar`'s close.
    mutating func place(signals: [Signal], intents: [OrderIntent], at bar: Bar) {
        journal.removeAll()
        if !intents.isEmpty { _ = exchange.placeReference(intents, on: &book, close: bar.close, time: bar.time, into: &journal) }
        for s in signals { exchange.apply(s, terms: terms, on: &book, close: bar.close, time: bar.time, into: &journal) }
        absorb()
        pendingFills = journal.fills
        pendingRejections = journal.rejections
        shownJSON = nil
    }

    /// A successful call that placed nothing: the strategy has now seen the pending fills and refusals.
    mutating func acknowledge() {
        guard !pendingFills.isEmpty || !pendingRejections.isEmpty else { return }
        pendingFills.removeAll()
        pendingRejections.removeAll()
        shownJSON = nil
    }

    /// Records the equity at `bar`'s close.
    mutating func mark(_ bar: Bar) { equity.append(book.equity(at: bar.close)) }

    private mutating func absorb() {
        for f in journal.fills { ledger.record(f, into: &trades) }
        fills += journal.fills
        closedOrders += journal.closed
    }

    /// The orders as `tradectl backtest` reports them: in the order they were placed, with their final state.
    func orderEntries(symbol: String) -> [OrderEntry] {
        (closedOrders + book.orders).sorted { $0.id < $1.id }.enumerated().map { i, o in
            OrderEntry(id: Int64(i + 1), subscriptionId: 0, executionId: 0, candleTime: o.placedAt, symbol: symbol, side: o.side.rawValue,
                       qty: o.quantity, price: o.averagePrice, fee: o.fees, purpose: o.purpose.rawValue, status: o.state.rawValue,
                       reason: o.reason.rawValue, orderNo: o.id, tag: o.tag.description, type: o.type.rawValue, limitPrice: o.price,
                       stopPrice: o.stopPrice, reduceOnly: o.reduceOnly, filled: o.filled, updatedAt: o.updatedAt)
        }
    }

    /// The account at the end, as the tables would hold it.
    func accountEntry(symbol: String, time: Int64) -> AccountEntry {
        let a = book.account
        return AccountEntry(subscriptionId: 0, symbol: symbol, market: a.market.rawValue, leverage: a.leverage, quoteFree: a.quoteFree,
                            baseFree: a.baseFree, quoteReserved: book.quoteReserved, baseReserved: book.baseReserved,
                            positionQty: a.position.quantity, entryPrice: a.position.entryPrice, margin: a.position.margin,
                            liquidationPrice: a.position.liquidationPrice, realisedPnl: a.realisedPnl, fees: a.fees,
                            startEquity: a.startEquity, updatedAt: time)
    }

    func fillEntries(symbol: String) -> [FillEntry] {
        fills.enumerated().map { i, f in
            FillEntry(id: Int64(i + 1), subscriptionId: 0, executionId: 0, symbol: symbol, orderNo: f.orderID, tag: f.tag.description,
                      side: f.side.rawValue, price: f.price, qty: f.quantity, fee: f.fee, realisedPnl: f.realisedPnl,
                      positionAfter: f.positionAfter, maker: f.maker, liquidation: f.liquidation, purpose: f.purpose.rawValue, time: f.time)
        }
    }
}

extension CandleWindow {
    /// Candle `i` as the paper exchange takes it.
    func bar(_ i: Int) -> Bar { Bar(time: times[i], open: open[i], high: high[i], low: low[i], close: close[i]) }
}
