import Foundation
import Platform
import StrategyRuntime

/// The simulator's venues: each account has separate books on each.
public enum SimVenue: String, Sendable, CaseIterable {
    case spot, futures, coindcx
}

/// One order as the simulator keeps it (terminal ones too, for queries).
public struct SimOrderRecord: Sendable {
    public var exchangeID: Int64
    public var uuid: String
    public var venue: SimVenue
    public var apiKey: String
    public var symbol: String
    public var clientID: String
    public var order: Order
    public var fills: [Fill]
    public var createdAt: Int64
    /// A USDⓈ-M conditional order, placed through the Algo Order API (`/fapi/v1/algoOrder`).
    public var algo = false
}

/// Why the simulator refused an order.
enum SimReject: Error {
    case filter(String)
    case insufficient
    case duplicate
    case reduceOnly
    case unknownSymbol
    case illegal(String)
}

/// Counters the tests read.
public struct SimStats: Sendable, Equatable {
    public var requests = 0
    public var ordersAccepted = 0
    public var ordersRejected = 0
    public var signatureFailures = 0
    public var timestampFailures = 0
    public var unknownKeys = 0
    public var tooManyRequests = 0
    public var bans = 0
    public var faultsFired = 0
}

/// All the simulator's state: accounts, books matched by the paper exchange, orders, rate windows.
/// Accessed under one lock.
struct SimLedger {
    struct BookKey: Hashable {
        var venue: SimVenue
        var apiKey: String
        var symbol: String
    }

    struct Book {
        var book: AccountBook
        let exchange: PaperExchange
        var exchangeIDs: [Int64: Int64] = [:]
    }

    var markets: [String: SimMarket]
    var cursor: [String: Int] = [:]
    var accounts: [String: SimAccount]
    var books: [BookKey: Book] = [:]
    var orders: [Int64: SimOrderRecord] = [:]
    var byClientID: [String: Int64] = [:]
    var nextExchangeID: Int64 = 1_000
    var faults: [SimFaultRule] = []
    var stats = SimStats()
    var limits: SimLimits
    // rate windows
    var weightWindow: (start: Int64, used: Int) = (0, 0)
    var orderWindows: [String: (start: Int64, used: Int)] = [:]
    var dayOrders: [String: (start: Int64, used: Int)] = [:]
    var coindcxWindows: [String: (start: Int64, used: Int)] = [:]
    var backoffUntil: Int64 = 0
    var backoffIssuedAt: Int64 = 0
    var bannedUntil: Int64 = 0

    init(markets: [SimMarket], accounts: [SimAccount], limits: SimLimits, now: Int64) {
        self.markets = Dictionary(uniqueKeysWithValues: markets.map { ($0.symbol, $0) })
        self.accounts = Dictionary(uniqueKeysWithValues: accounts.map { ($0.apiKey, $0) })
        self.limits = limits
        for m in markets {
            let d = m.timeframe.milliseconds
            cursor[m.symbol] = m.bars.lastIndex { $0.time + d <= now } ?? 0
        }
    }

    /// The candle market orders fill at: the newest closed one of the script.
    func current(_ symbol: String) -> Bar? {
        guard let m = markets[symbol], let i = cursor[symbol], m.bars.indices.contains(i) else { return nil }
        return m.bars[i]
    }

    func rules(_ venue: SimVenue, _ m: SimMarket) -> MarketRules { venue == .futures ? m.futuresRules : m.spotRules }

    mutating func book(_ key: BookKey) throws(SimReject) -> Book {
        if let b = books[key] { return b }
        guard let m = markets[key.symbol], let a = accounts[key.apiKey] else { throw .unknownSymbol }
        let account: Account
        do {
            account = key.venue == .futures
                ? try Account.futures(wallet: a.futuresWallet, leverage: a.leverage)
                : try Account.spot(quote: a.balances[m.quote] ?? 0, base: a.balances[m.base] ?? 0, basePrice: current(m.symbol)?.close ?? 1)
        } catch {
            throw .illegal(error.message)
        }
        // The rules are valid MarketRules and slippage 0 is in range.
        let b = Book(book: AccountBook(account: account), exchange: try! PaperExchange(rules: rules(key.venue, m)))
        books[key] = b
        return b
    }

    /// Checks Binance-style filters (off-grid values are refused, never rounded), then places
    /// the order on the paper exchange at the current candle's close.
    mutating func place(_ venue: SimVenue, apiKey: String, symbol: String, clientID: String?, side: OrderSide, type: OrderType,
                        quantity: Double, price: Double?, stopPrice: Double?, reduceOnly: Bool, now: Int64) throws(SimReject) -> SimOrderRecord {
        guard let m = markets[symbol], let bar = current(symbol) else { throw .unknownSymbol }
        let r = rules(venue, m)
        func onGrid(_ x: Double, _ step: Double) -> Bool {
            guard step > 0 else { return true }
            let n = x / step
            return abs(n - n.rounded()) <= 1e-6
        }
        guard quantity > 0, onGrid(quantity, r.lotStep), quantity >= r.minQuantity * (1 - 1e-9) else { throw .filter("LOT_SIZE") }
        if let p = price ?? stopPrice, !(p > 0) || !onGrid(p, r.tickSize) { throw .filter("PRICE_FILTER") }
        let reference = type == .market ? bar.close : (type == .limit ? price : stopPrice) ?? 0
        guard reference > 0 else { throw .filter("PRICE_FILTER") }
        if !reduceOnly, quantity * reference < r.minNotional * (1 - 1e-9) { throw .filter("NOTIONAL") }
        let id = clientID ?? "sim-\(nextExchangeID)"
        guard let tag = OrderTag(id) else { throw .illegal("newClientOrderId") }
        let key = BookKey(venue: venue, apiKey: apiKey, symbol: symbol)
        var b = try book(key)
        var journal = OrderJournal()
        let request = OrderRequest(side: side, type: type, amount: .quantity(quantity), price: type == .limit ? price : nil,
                                   stopPrice: type == .stop ? stopPrice : nil, tag: tag, reduceOnly: reduceOnly)
        b.exchange.place([.place(request)], on: &b.book, close: bar.close, time: bar.time, into: &journal)
        if let rejection = journal.rejections.first {
            books[key] = b
            stats.ordersRejected += 1
            switch rejection.reason {
            case .insufficientBalance: throw .insufficient
            case .duplicateTag: throw .duplicate
            case .reduceOnlyWouldIncrease, .reduceOnlyNotFutures: throw .reduceOnly
            case .belowMinNotional: throw .filter("NOTIONAL")
            case .invalidPrice: throw .filter("PRICE_FILTER")
            default: throw .filter("LOT_SIZE")
            }
        }
        guard let engineID = journal.transitions.first(where: { $0.from == nil })?.orderID else { throw .illegal("order") }
        let exchangeID = nextExchangeID
        nextExchangeID += 1
        b.exchangeIDs[engineID] = exchangeID
        let order = b.book.orders.first { $0.id == engineID } ?? journal.closed.first { $0.id == engineID }!
        orders[exchangeID] = SimOrderRecord(exchangeID: exchangeID, uuid: Self.uuid(exchangeID), venue: venue, apiKey: apiKey, symbol: symbol,
                                            clientID: id, order: order, fills: [], createdAt: now)
        orders[exchangeID]?.algo = venue == .futures && type == .stop
        byClientID["\(venue.rawValue)|\(apiKey)|\(symbol)|\(id)"] = exchangeID
        books[key] = b
        absorb(journal, key)
        stats.ordersAccepted += 1
        return orders[exchangeID]!
    }

    /// The latest order with this client id.
    func order(_ venue: SimVenue, apiKey: String, symbol: String, clientID: String) -> SimOrderRecord? {
        byClientID["\(venue.rawValue)|\(apiKey)|\(symbol)|\(clientID)"].flatMap { orders[$0] }
    }

    /// Cancels an open order; nil when it is unknown or no longer open.
    mutating func cancel(_ venue: SimVenue, apiKey: String, symbol: String, clientID: String, now: Int64) -> SimOrderRecord? {
        guard let r = order(venue, apiKey: apiKey, symbol: symbol, clientID: clientID), !r.order.state.isTerminal,
              let bar = current(symbol) else { return nil }
        let key = BookKey(venue: venue, apiKey: apiKey, symbol: symbol)
        guard var b = books[key] else { return nil }
        var journal = OrderJournal()
        b.exchange.place([.cancel(tag: r.order.tag)], on: &b.book, close: bar.close, time: bar.time, into: &journal)
        books[key] = b
        absorb(journal, key)
        return orders[r.exchangeID]
    }

    /// Moves the symbol's script one candle on and matches it against every book of the symbol.
    mutating func advance(_ symbol: String) -> Bool {
        guard let m = markets[symbol], let i = cursor[symbol], i + 1 < m.bars.count else { return false }
        cursor[symbol] = i + 1
        let bar = m.bars[i + 1]
        for key in books.keys.filter({ $0.symbol == symbol }).sorted(by: { ($0.venue.rawValue, $0.apiKey) < ($1.venue.rawValue, $1.apiKey) }) {
            var b = books[key]!
            var journal = OrderJournal()
            b.exchange.match(&b.book, candle: bar, into: &journal)
            books[key] = b
            absorb(journal, key)
        }
        return true
    }

    /// Copies the engine's decisions into the order records.
    mutating func absorb(_ journal: OrderJournal, _ key: BookKey) {
        guard let b = books[key] else { return }
        for o in b.book.orders {
            if let x = b.exchangeIDs[o.id] { orders[x]?.order = o }
        }
        for o in journal.closed {
            if let x = b.exchangeIDs[o.id] { orders[x]?.order = o }
        }
        for f in journal.fills {
            if let x = b.exchangeIDs[f.orderID] { orders[x]?.fills.append(f) }
        }
    }

    /// Balances of an account on a venue: from its books, or as configured before any order.
    func balances(_ venue: SimVenue, apiKey: String) -> [(asset: String, free: Double, locked: Double)] {
        guard let a = accounts[apiKey] else { return [] }
        var out: [String: (Double, Double)] = [:]
        for (asset, amount) in a.balances { out[asset] = (amount, 0) }
        for (key, b) in books where key.venue == venue && key.apiKey == apiKey {
            guard let m = markets[key.symbol] else { continue }
            out[m.quote] = (b.book.account.quoteFree, b.book.quoteReserved)
            out[m.base] = (b.book.account.baseFree, b.book.baseReserved)
        }
        return out.keys.sorted().map { ($0, out[$0]!.0, out[$0]!.1) }
    }

    static func uuid(_ id: Int64) -> String {
        let hex = String(id, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "5f3c1a2e-0000-4000-8000-\(tail)"
    }

    // MARK: - Rate limits

    /// Counts a Binance request's weight (and an order); returns the 429/418 to send instead, if any.
    mutating func admitBinance(weight: Int, orderFor apiKey: String?, now: Int64) -> (status: Int, retryAfter: Int?, code: Int, msg: String)? {
        if now < bannedUntil {
            stats.bans += 1
            return (418, Int((bannedUntil - now + 999) / 1_000), -1003, "Way too many requests; IP banned until \(bannedUntil).")
        }
        if now < backoffUntil {
            if now > backoffIssuedAt + limits.banGraceMs {
                bannedUntil = now + Int64(limits.banSeconds) * 1_000
                stats.bans += 1
                return (418, limits.banSeconds, -1003, "Way too many requests; IP banned until \(bannedUntil).")
            }
            stats.tooManyRequests += 1
            return (429, Int((backoffUntil - now + 999) / 1_000), -1003, "Too many requests; please use the websocket for live updates.")
        }
        let minute = now - now % 60_000
        if weightWindow.start != minute { weightWindow = (minute, 0) }
        if weightWindow.used + weight > limits.weightPerMinute {
            let retry = Int((minute + 60_000 - now + 999) / 1_000)
            tooMany(now: now, retryAfterSeconds: retry)
            return (429, retry, -1003, "Too much request weight used; current limit is \(limits.weightPerMinute) request weight per 1 MINUTE.")
        }
        weightWindow.used += weight
        if let apiKey {
            let w = now - now % limits.orderWindowMs
            var o = orderWindows[apiKey] ?? (w, 0)
            if o.start != w { o = (w, 0) }
            let day = now - now % 86_400_000
            var d = dayOrders[apiKey] ?? (day, 0)
            if d.start != day { d = (day, 0) }
            if o.used + 1 > limits.ordersPerWindow || d.used + 1 > limits.ordersPerDay {
                stats.tooManyRequests += 1
                return (429, nil, -1015, "Too many new orders; current limit is \(limits.ordersPerWindow) orders per \(limits.orderWindowMs / 1_000) SECOND.")
            }
            o.used += 1
            d.used += 1
            orderWindows[apiKey] = o
            dayOrders[apiKey] = d
        }
        return nil
    }

    /// Starts a back-off period: requests arriving after the grace and before it ends are banned.
    mutating func tooMany(now: Int64, retryAfterSeconds: Int) {
        stats.tooManyRequests += 1
        backoffIssuedAt = now
        backoffUntil = max(backoffUntil, now + Int64(retryAfterSeconds) * 1_000)
    }

    /// The usage headers of an answer to `apiKey`.
    func usageHeaders(apiKey: String?, now: Int64) -> [(String, String)] {
        var h = [("X-MBX-USED-WEIGHT-1M", String(weightWindow.start == now - now % 60_000 ? weightWindow.used : 0))]
        if let apiKey, let o = orderWindows[apiKey] {
            let suffix = RateRule(kind: .orders, intervalMs: limits.orderWindowMs, limit: 0).headerSuffix
            h.append(("X-MBX-ORDER-COUNT-\(suffix)", String(o.start == now - now % limits.orderWindowMs ? o.used : 0)))
            if let d = dayOrders[apiKey] { h.append(("X-MBX-ORDER-COUNT-1D", String(d.used))) }
        }
        return h
    }

    /// Counts a CoinDCX request; false when the key is over its per-second limit.
    mutating func admitCoinDCX(apiKey: String, now: Int64) -> Bool {
        let s = now - now % 1_000
        var w = coindcxWindows[apiKey] ?? (s, 0)
        if w.start != s { w = (s, 0) }
        guard w.used < limits.coindcxPerSecond else {
            stats.tooManyRequests += 1
            return false
        }
        w.used += 1
        coindcxWindows[apiKey] = w
        return true
    }

    /// The first fault rule matching the request, consumed.
    mutating func fault(method: String, path: String) -> SimFault? {
        guard let i = faults.firstIndex(where: { $0.remaining > 0 && $0.method == method && path.hasSuffix($0.pathSuffix) }) else { return nil }
        faults[i].remaining -= 1
        let f = faults[i].fault
        if faults[i].remaining == 0 { faults.remove(at: i) }
        stats.faultsFired += 1
        return f
    }
}
