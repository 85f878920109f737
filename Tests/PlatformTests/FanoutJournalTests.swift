import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// The fan-out journal (one row per execution, expanded behind the commit) and the books each
    /// process keeps of its last commit.
    @Suite struct FanoutJournalTests {
        /// BUY when the close rose, SELL when it fell: every subscriber reverses on a zigzag.
        static let flip = """
            def main(data, ctx):
                c = data["close"]
                return {"action": "BUY" if c.iloc[-1] > c.iloc[-2] else "SELL"}
            """

        static let zigzag: [Double] = (0..<40).map { (i: Int) -> Double in
            let swing: Double = i % 2 == 0 ? 1.5 : -1.2
            return 100 + Double(i % 7) * swing + Double(i) * 0.1
        }

        /// Past their capacity, the books drop the least recently used ones down to 90 % of it; a
        /// dropped or outdated book is a miss (the commit then reads the tables).
        @Test func booksDropTheLeastRecentlyUsedPastTheirCapacity() throws {
            let terms = try SubscriptionTerms(capital: 1_000, riskPerTrade: 0.01)
            func four(_ base: Int64) -> [FanoutSubscriber] {
                (0..<4).map { FanoutSubscriber(id: base + $0, userID: base, terms: terms) }
            }
            let books = FanoutBooks(capacity: 10)
            let a = FanoutBooks.Key(strategyID: 1, symbol: "BTCUSDT"), b = FanoutBooks.Key(strategyID: 2, symbol: "BTCUSDT")
            let c = FanoutBooks.Key(strategyID: 3, symbol: "ETHUSDT"), d = FanoutBooks.Key(strategyID: 4, symbol: "ETHUSDT")
            books.keep(a, at: 1, four(10))
            books.keep(b, at: 1, four(20))
            #expect(books.subscribers(a, at: 1)?.map(\.id) == [10, 11, 12, 13])  // a is now used after b
            books.keep(c, at: 1, four(30))  // 12 > 10: drop b, the least recently used
            #expect(books.held == 8)
            #expect(books.subscribers(b, at: 1) == nil)
            #expect(books.subscribers(a, at: 1) != nil)
            #expect(books.subscribers(c, at: 1) != nil)
            books.keep(d, at: 1, four(40))  // drop a (c was used after it)
            #expect(books.subscribers(a, at: 1) == nil)
            #expect(books.subscribers(c, at: 1)?.first?.id == 30)
            #expect(books.subscribers(d, at: 1)?.first?.id == 40)
            #expect(books.subscribers(d, at: 2) == nil, "a book is used only at its own generation")
            books.keep(d, at: 2, Array(four(40).prefix(1)))  // a later book replaces it, and its count
            #expect(books.held == 5)
            books.keep(d, at: 1, four(50))  // an older one does not
            #expect(books.subscribers(d, at: 2)?.count == 1)
            #expect(books.usage.evictions == 2)
        }

        @Test func entriesRoundTripAndMalformedBytesAreATypedError() throws {
            let trade = Trade(side: .short, entryTime: 1, exitTime: 2, entryPrice: 10, exitPrice: 9, qty: 3, pnl: 2.9,
                              returnPct: 9.6, reason: "take-profit", entryFee: 0.1)
            let stop = Order(id: 4, tag: "sig:sl.3", side: .buy, type: .stop, quantity: 3, stopPrice: 11, reduceOnly: true, purpose: .stopLoss,
                             ocoGroup: 2, state: .cancelled, reserved: 0.5, placedAt: 1, updatedAt: 2, reason: .oco)
            let limit = Order(id: 5, tag: "g3", side: .sell, type: .limit, quantity: 1.25, price: 9.5, state: .filled, filled: 1.25,
                              averagePrice: 9.5, fees: 0.01, placedAt: 2, reason: .filled)
            let rejected = Order(id: 6, tag: "bo", side: .buy, type: .market, quantity: 0, state: .rejected, placedAt: 2, reason: .belowMinNotional)
            let account = try Account.futures(wallet: 1_000, leverage: 3)
            let changes = [
                FanoutChange(subscriptionID: 7, userID: 70, account: account, nextOrderID: 7, firstNewOrderID: 5,
                             orders: [stop, limit, rejected],
                             transitions: [OrderTransition(orderID: 4, tag: "sig:sl.3", from: .new, to: .cancelled, time: 2, reason: .oco),
                                           OrderTransition(orderID: 5, tag: "g3", from: nil, to: .new, time: 2, reason: .placed),
                                           OrderTransition(orderID: 6, tag: "bo", from: nil, to: .rejected, time: 2, reason: .belowMinNotional)],
                             fills: [Fill(orderID: 5, tag: "g3", side: .sell, price: 9.5, quantity: 1.25, fee: 0.01, time: 2, liquidation: false,
                                          maker: true, realisedPnl: 0.4, positionAfter: -1.25, purpose: .order)],
                             trades: [trade], open: Position(side: .short, qty: 1.25, entryPrice: 9.5, entryTime: 2, entryFee: 0.01),
                             openChanged: true),
                FanoutChange(subscriptionID: 8, userID: 80, account: try Account.spot(quote: 50), nextOrderID: 1, firstNewOrderID: 1,
                             orders: [], transitions: [], fills: [], trades: [], open: nil, openChanged: false),
            ]
            let bytes = FanoutJournal.encode(changes)
            #expect(try FanoutJournal.decode(bytes, row: 1) == changes)
            #expect(try FanoutJournal.decode(FanoutJournal.encode([]), row: 1).isEmpty)
            for bad in [Array(bytes.dropLast()), bytes + [0], [UInt8](repeating: 0, count: 40), Array(bytes.prefix(7)), []] {
                #expect(throws: PlatformError.self) { try FanoutJournal.decode(bad, row: 1) }
            }
            // Base time 0, no shapes, tags or reasons, then 65,535 changes in 7 bytes.
            let wrongCount = FanoutJournal.magic + [0, 0, 0, 0, 0xFF, 0xFF, 0x03]
            let error = #expect(throws: PlatformError.self) { try FanoutJournal.decode(wrongCount, row: 42) }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("execution 42") == true)
            var badShape = bytes
            badShape[bytes.count - 1] ^= 0xFF  // the open position's last byte
            #expect(throws: PlatformError.self) { try FanoutJournal.decode(badShape, row: 1) }

            // Entries written before the compact form (TJ2) are still expanded.
            #expect(try FanoutJournal.decode(Self.legacy(changes), row: 1) == changes)
        }

        /// An enum's code is its index in `allCases` (read from its byte in memory when it is one byte).
        @Test func everyCodedEnumsCodeIsItsIndexInAllCases() {
            func check<T: JournalCoded>(_: T.Type) {
                for (i, value) in T.table.enumerated() { #expect(FanoutJournal.code(value) == UInt8(i), "\(T.self).\(value)") }
            }
            check(OrderSide.self)
            check(OrderType.self)
            check(OrderState.self)
            check(OrderReason.self)
            check(OrderPurpose.self)
            check(MarketKind.self)
        }

        /// Subscribers mirroring the same ten limit orders share one table of what the orders have
        /// in common: each costs its account, ids, quantities and reservations, not ten full orders.
        @Test func mirroredOrdersAreStoredOnceAndEachSubscriberCostsLittle() throws {
            let rules = try SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01).market(.spot)
            let exchange = try PaperExchange(rules: rules, slippageBps: 0)
            let intents: [OrderIntent] = (0..<10).map { i in
                .place(.limit(.buy, .quantity(0.1), at: 95 + Double(i) / 10, tag: OrderTag("b\(i)")!))
            }
            let changes = try (0..<1_000).map { (i: Int) throws -> FanoutChange in
                var book = AccountBook(account: try Account.spot(quote: 1_000 + Double(i)))
                var journal = OrderJournal()
                exchange.place(intents, scaledBy: 1 + Double(i % 7) / 10, on: &book, close: 100, time: 60_000, into: &journal)
                #expect(book.orders.count == 10)
                return FanoutChange(subscriptionID: Int64(i + 1), userID: Int64(i + 1), account: book.account, nextOrderID: book.nextOrderID,
                                    firstNewOrderID: 1, orders: book.orders, transitions: journal.transitions, fills: [], trades: [],
                                    open: nil, openChanged: false)
            }
            let bytes = FanoutJournal.encode(changes)
            #expect(try FanoutJournal.decode(bytes, row: 1) == changes)
            #expect(bytes.count / changes.count < 320, "\(bytes.count / changes.count) bytes per subscriber")
            #expect(Self.legacy(changes).count / changes.count > 1_200, "the first form spent ~1.3 kB on each")
        }

        /// A candle filling ten resting sells that close a position: each fill repeats its order and
        /// each round trip its fill, so both are stored as references, and read back exactly.
        @Test func fillsAndRoundTripsOfAMatchedCandleRoundTripCompactly() throws {
            let exchange = Orders.exchange(Orders.spotRules(lot: 0.0001, maker: 0.001))
            let sells = (0..<10).map { Orders.limit(.sell, 0.1, 105 + Double($0) / 10, OrderTag("s\($0)")!) }
            let changes = (0..<200).map { (i: Int) -> FanoutChange in
                var book = Orders.spot(quote: 100, base: 1 + Double(i) / 1_000)
                var ledger = TradeLedger(open: Position(side: .long, qty: book.holdings, entryPrice: 100, entryTime: 0, entryFee: 0))
                var placing = OrderJournal()
                exchange.place(sells, on: &book, close: 100, time: 60_000, into: &placing)
                let first = book.nextOrderID - 10
                var journal = OrderJournal()
                exchange.match(&book, candle: Orders.bar(120_000, 100, 107, 99.5, 106), into: &journal)
                var trades: [Trade] = []
                for f in journal.fills { ledger.record(f, into: &trades) }
                var touched: [Order] = []
                OrderFanout.touched(journal, book, into: &touched)
                return FanoutChange(subscriptionID: Int64(i + 1), userID: 9, account: book.account, nextOrderID: book.nextOrderID,
                                    firstNewOrderID: first + 10, orders: touched, transitions: journal.transitions, fills: journal.fills,
                                    trades: trades, open: ledger.open, openChanged: true)
            }
            #expect(changes.allSatisfy { $0.fills.count == 10 && $0.trades.count == 10 && $0.orders.count == 10 })
            let bytes = FanoutJournal.encode(changes)
            #expect(try FanoutJournal.decode(bytes, row: 1) == changes)
            // Written out in full, the fills and round trips alone would take ~450 bytes more per subscriber.
            #expect(bytes.count / changes.count < 1_000, "\(bytes.count / changes.count) bytes per subscriber")
        }

        /// An entry in the first form (TJ2), as versions before the compact form wrote it.
        static func legacy(_ changes: [FanoutChange]) -> [UInt8] {
            var w = Wire.Writer()
            w.raw(FanoutJournal.legacyMagic)
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
                    w.u8(t.from.map(FanoutJournal.code) ?? 255)
                    w.u8(FanoutJournal.code(t.to))
                    w.i64(t.time)
                    w.u8(FanoutJournal.code(t.reason))
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

        @Test func aCrashWhileExpandingLeavesTheEntryToBeExpandedOnce() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 6)
            let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
            let report = try await coordinator.execute(loaded, frame: try host.frame(PlatformFixture.candles(CoordinatorTests.closes)))
            #expect(report.ordersFilled == subs.count)  // one market fill each; the stops rest
            #expect(try db.pendingFanouts() == 1)
            #expect(try db.orderCount() == 0)  // committed in the journal, not yet expanded

            #expect(throws: PlatformError.self) {
                try db.projectFanouts(afterEntry: { _ in throw PlatformError(.storage, "injected crash") })
            }
            #expect(try db.pendingFanouts() == 1)
            #expect(try db.orderCount() == 0)
            #expect(try db.openPosition(userID: subs[0].user, subscriptionID: subs[0].subscription, symbol: "BTCUSDT") == nil)

            #expect(try db.projectFanouts() == 1)
            #expect(try db.projectFanouts() == 0)
            #expect(try db.pendingFanouts() == 0)
            #expect(try db.orderCount() == 2 * subs.count, "each subscriber's entry and its resting stop")
            #expect(try db.openPosition(userID: subs[0].user, subscriptionID: subs[0].subscription, symbol: "BTCUSDT") != nil)
        }

        /// The backlog is expanded in batches, one transaction each: a failure keeps only its own
        /// batch pending, and the batches before it stay expanded.
        @Test func theBacklogIsExpandedInBatchesAndAFailureKeepsOnlyItsBatch() async throws {
            let db = try PlatformDatabase.inMemory()
            let host = try await PlatformFixture.host()
            let author = try db.createUser(name: "author")
            let version = try db.createStrategy(ownerID: author, name: "flip",
                                                spec: StrategyVersionSpec(source: Self.flip, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 3))
            for i in 0..<3 { _ = try Self.subscribe(db, version.strategyID, i) }
            let loaded = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "flip", code: Self.flip)))
            let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
            var ordersAfter: [Int64: Int] = [:]  // execution → orders written once it is expanded
            let reference = try PlatformDatabase.inMemory()
            let refVersion = try reference.createStrategy(ownerID: try reference.createUser(name: "author"), name: "flip",
                                                          spec: StrategyVersionSpec(source: Self.flip, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 3))
            for i in 0..<3 { _ = try Self.subscribe(reference, refVersion.strategyID, i) }
            let solo = try Coordinator(db: reference, host: host)
            for end in 2..<8 {
                let frame = try host.frame(PlatformFixture.candles(Array(Self.zigzag[...end])).window(endingAt: end, lookback: 3))
                #expect(try await coordinator.execute(loaded, frame: frame).outcome == .committed(status: "ok"))
                _ = try await solo.execute(LoadedVersion(version: refVersion, strategy: loaded.strategy), frame: frame)
                ordersAfter[Int64(end)] = try reference.orderCount()
            }
            #expect(try db.pendingFanouts() == 6)
            var seen: [Int64] = []
            #expect(throws: PlatformError.self) {
                try db.projectFanouts(batchBytes: 1, afterEntry: { id in  // one entry per batch
                    seen.append(id)
                    if seen.count == 4 { throw PlatformError(.storage, "injected crash") }
                })
            }
            #expect(try db.pendingFanouts() == 3, "the three batches before the failure stay expanded")
            #expect(try db.orderCount() == ordersAfter[4])
            #expect(try db.projectFanouts() == 3)  // the rest, in one batch
            #expect(try db.pendingFanouts() == 0)
            #expect(try db.orderCount() == reference.orderCount())
        }

        /// A malformed entry is set aside with its error (issue 12; it used to stop the expansion
        /// for good), and the pair's next commit reads the tables: the positions that entry would
        /// have opened do not exist, so the subscribers open them again.
        @Test func aMalformedEntryIsQuarantinedWithItsErrorAndTheNextCommitReadsTheTables() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 2)
            let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
            _ = try await coordinator.execute(loaded, frame: try host.frame(PlatformFixture.candles(CoordinatorTests.closes)))
            _ = try db.write { db in try db.execute(sql: "UPDATE fanout_journal SET changes = x'544A32FFFF'") }
            #expect(try db.projectFanouts() == 1)
            #expect(try db.pendingFanouts() == 0)
            #expect(try db.orderCount() == 0)
            let set = try db.quarantinedFanouts()
            #expect(set.count == 1)
            #expect(set.first?.subscriptions == 0, "the whole entry")
            #expect(set.first?.error.contains("malformed") == true)
            #expect(try db.quarantinedFanoutCount() == 1)

            let next = try await coordinator.execute(loaded, frame: try host.frame(PlatformFixture.candles(CoordinatorTests.closes + [112])))
            #expect(next.ordersFilled == subs.count, "the book the malformed entry left was not used: the subscribers buy again")
            try db.projectFanouts()
            #expect(try db.orderCount() == 2 * subs.count)
        }

        /// Two "processes" (two connections, each with its own books) take turns on one strategy,
        /// deferring the expansion, while subscribers join and pause through either of them: the
        /// trades are those of one coordinator on a private database doing the same.
        @Test func booksAreUsedOnlyWhileNobodyElseCommittedOrSubscribed() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-books-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("p.sqlite").path
            let a = try PlatformDatabase(path: path), b = try PlatformDatabase(path: path)
            let reference = try PlatformDatabase.inMemory()
            let host = try await PlatformFixture.host()
            let strategy = try await host.load(StrategySource(id: "flip", code: Self.flip))
            var subscriptions: [[(user: Int64, subscription: Int64)]] = [[], []]
            var versions: [StoredVersion] = []
            for (n, db) in [a, reference].enumerated() {
                let author = try db.createUser(name: "author")
                let version = try db.createStrategy(ownerID: author, name: "flip",
                                                    spec: StrategyVersionSpec(source: Self.flip, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 3))
                versions.append(version)
                for i in 0..<4 { subscriptions[n].append(try Self.subscribe(db, version.strategyID, i)) }
            }
            let coordinators = [try Coordinator(db: a, host: host, projection: .deferred), try Coordinator(db: b, host: host, projection: .deferred)]
            let solo = try Coordinator(db: reference, host: host)
            for end in 2..<Self.zigzag.count {
                let frame = try host.frame(PlatformFixture.candles(Array(Self.zigzag[...end])).window(endingAt: end, lookback: 3))
                // A runs two candles in a row (its book is current), then B runs one (A's book is stale).
                let mine = coordinators[end % 3 == 0 ? 1 : 0]
                #expect(try await mine.execute(LoadedVersion(version: versions[0], strategy: strategy), frame: frame).outcome == .committed(status: "ok"))
                #expect(try await solo.execute(LoadedVersion(version: versions[1], strategy: strategy), frame: frame).outcome == .committed(status: "ok"))
                if end % 5 == 0 { try a.projectFanouts() }
                if end == 12 {  // a subscriber joins through B, between two of A's commits
                    subscriptions[0].append(try Self.subscribe(b, versions[0].strategyID, 4))
                    subscriptions[1].append(try Self.subscribe(reference, versions[1].strategyID, 4))
                }
                if end == 22 {  // and one pauses
                    try b.setStatus(userID: subscriptions[0][1].user, subscriptionID: subscriptions[0][1].subscription, to: .paused)
                    try reference.setStatus(userID: subscriptions[1][1].user, subscriptionID: subscriptions[1][1].subscription, to: .paused)
                }
            }
            try b.projectFanouts()
            #expect(a.books.usage.hits > 5)
            #expect(a.books.usage.misses > 5)
            var trades = 0
            for (mine, theirs) in zip(subscriptions[0], subscriptions[1]) {
                let got = try a.trades(userID: mine.user, subscriptionID: mine.subscription)
                let want = try reference.trades(userID: theirs.user, subscriptionID: theirs.subscription)
                #expect(got == want)
                #expect(try a.openPosition(userID: mine.user, subscriptionID: mine.subscription, symbol: "BTCUSDT")
                        == reference.openPosition(userID: theirs.user, subscriptionID: theirs.subscription, symbol: "BTCUSDT"))
                trades += got.count
            }
            #expect(trades > 60)
            #expect(try a.orderCount() == reference.orderCount())
        }

        static func subscribe(_ db: PlatformDatabase, _ strategyID: Int64, _ i: Int) throws -> (user: Int64, subscription: Int64) {
            let user = try db.createUser(name: "user\(i)")
            let terms = try SubscriptionTerms(capital: 1_000 + Double(i) * 250, riskPerTrade: 0.02, leverage: 3)
            return (user, try db.subscribe(userID: user, strategyID: strategyID, terms: terms))
        }
    }
}
