import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// Issue 12, finding 1: the journal was expanded as a prefix, so one entry that could not be
    /// expanded (an order fee of NaN, stored as NULL into `orders.fee NOT NULL`) held back every
    /// later entry of every tenant, across restarts. Such an entry is now set aside in
    /// `fanout_quarantine` with its error, and the others expand.
    @Suite struct JournalQuarantineTests {
        /// Writes, straight into the tables, an execution and the journal entry an alert priced
        /// 1e-320 left before issue 12: a quantity of +inf and a fee of NaN.
        static func poison(_ db: Database, versionID: Int64, strategyID: Int64, subscriptionID: Int64, userID: Int64,
                           candleTime: Int64) throws -> Int64 {
            try db.execute(sql: """
                INSERT INTO executions (strategy_version_id, symbol, timeframe, candle_time, status, created_at)
                VALUES (?, 'BTCUSDT', '1m', ?, 'ok', 0)
                """, arguments: [versionID, candleTime])
            let id = db.lastInsertedRowID
            let order = Order(id: 1, tag: "sig:open.0", side: .buy, type: .market, quantity: .infinity, purpose: .open, state: .filled,
                              filled: .infinity, averagePrice: PoisonedNumbersTests.subnormal, fees: .nan, placedAt: candleTime, reason: .filled)
            let change = FanoutChange(subscriptionID: subscriptionID, userID: userID, account: try Account.futures(wallet: 1_000, leverage: 2),
                                      nextOrderID: 2, firstNewOrderID: 1, orders: [order],
                                      transitions: [OrderTransition(orderID: 1, tag: order.tag, from: nil, to: .filled, time: candleTime, reason: .filled)],
                                      fills: [], trades: [],
                                      open: Position(side: .long, qty: .infinity, entryPrice: PoisonedNumbersTests.subnormal, entryTime: candleTime,
                                                     entryFee: .nan), openChanged: true)
            try db.execute(sql: "INSERT INTO fanout_journal (execution_id, strategy_id, symbol, candle_time, changes) VALUES (?, ?, 'BTCUSDT', ?, ?)",
                           arguments: [id, strategyID, candleTime, Data(FanoutJournal.encode([change]))])
            return id
        }

        static func quarantined(_ db: Database) throws -> [Row] {
            try Row.fetchAll(db, sql: "SELECT execution_id, error FROM fanout_quarantine ORDER BY execution_id")
        }

        /// A tenant with a strategy on BTCUSDT and `n` subscribers.
        static func tenant(_ db: PlatformDatabase, _ name: String, subscribers n: Int) throws
            -> (version: StoredVersion, subs: [(user: Int64, subscription: Int64)]) {
            let author = try db.createUser(name: name)
            let version = try db.createStrategy(ownerID: author, name: name,
                                                spec: StrategyVersionSpec(source: FanoutJournalTests.flip, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 3))
            var subs: [(Int64, Int64)] = []
            for i in 0..<n {
                let user = try db.createUser(name: "\(name)-follower\(i)")
                subs.append((user, try db.subscribe(userID: user, strategyID: version.strategyID,
                                                    terms: try SubscriptionTerms(capital: 1_000, riskPerTrade: 0.02, leverage: 2))))
            }
            return (version, subs)
        }

        static func frame(_ host: StrategyHost, end: Int) throws -> CandleFrame {
            try host.frame(PlatformFixture.candles(Array(FanoutJournalTests.zigzag[...end])).window(endingAt: end, lookback: 3))
        }

        @Test func aPoisonedEntryBetweenOtherTenantsIsQuarantinedAndTheirsExpand() async throws {
            let db = try PlatformDatabase.inMemory()
            let host = try await PlatformFixture.host()
            let strategy = try await host.load(StrategySource(id: "flip", code: FanoutJournalTests.flip))
            let a = try Self.tenant(db, "a", subscribers: 2), b = try Self.tenant(db, "b", subscribers: 3), c = try Self.tenant(db, "c", subscribers: 1)
            let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
            _ = try await coordinator.execute(LoadedVersion(version: a.version, strategy: strategy), frame: try Self.frame(host, end: 3))
            let bad = try db.write { d in
                try Self.poison(d, versionID: c.version.id, strategyID: c.version.strategyID, subscriptionID: c.subs[0].subscription,
                                userID: c.subs[0].user, candleTime: 1_704_067_380_000)
            }
            _ = try await coordinator.execute(LoadedVersion(version: b.version, strategy: strategy), frame: try Self.frame(host, end: 3))
            #expect(try db.pendingFanouts() == 3)

            try db.projectFanouts()  // all three in one batch: the bad entry must not take the others down

            #expect(try db.pendingFanouts() == 0)
            for s in a.subs + b.subs { #expect(try db.orderCount(userID: s.user) == 1) }
            #expect(try db.orderCount(userID: c.subs[0].user) == 0)
            let rows = try db.read(Self.quarantined)
            #expect(rows.count == 1)
            #expect((rows.first?["execution_id"] as Int64?) == bad)
            #expect((rows.first?["error"] as String?)?.contains("order 1") == true, "\(rows)")
            #expect(try db.projectFanouts() == 0)
        }

        /// When the tables refuse one subscriber's rows (here an order number the subscriber's
        /// account already used, which `orders_by_number` forbids), only that subscriber's change
        /// is set aside; the others of the same entry are written.
        @Test func aRowTheTablesRefuseSetsAsideOnlyThatSubscribersChange() async throws {
            let db = try PlatformDatabase.inMemory()
            let host = try await PlatformFixture.host()
            let strategy = try await host.load(StrategySource(id: "flip", code: FanoutJournalTests.flip))
            let a = try Self.tenant(db, "a", subscribers: 3)
            _ = try await try Coordinator(db: db, host: host, projection: .deferred)
                .execute(LoadedVersion(version: a.version, strategy: strategy), frame: try Self.frame(host, end: 2))
            let blocked = a.subs[1]
            _ = try db.write { d in
                try d.execute(sql: """
                    INSERT INTO orders (execution_id, subscription_id, user_id, symbol, side, qty, price, fee, purpose, status, candle_time, order_no)
                    VALUES ((SELECT MAX(id) FROM executions), ?, ?, 'BTCUSDT', 'buy', 1, 100, 0, 'order', 'filled', 0, 1)
                    """, arguments: [blocked.subscription, blocked.user])
            }
            try db.projectFanouts()
            #expect(try db.pendingFanouts() == 0)
            for s in a.subs where s != blocked { #expect(try db.orderCount(userID: s.user) == 1) }
            #expect(try db.orderCount(userID: blocked.user) == 1, "only the conflicting row: its own order was set aside")
            let rows = try db.read { d in try Row.fetchAll(d, sql: "SELECT subscriptions, error FROM fanout_quarantine") }
            #expect(rows.count == 1)
            #expect((rows.first?["subscriptions"] as Int?) == 1)
            #expect((rows.first?["error"] as String?)?.contains("subscription \(blocked.subscription)") == true, "\(rows)")
            #expect((rows.first?["error"] as String?)?.contains("UNIQUE") == true, "\(rows)")
        }

        /// A database file left with a poisoned entry at the head of the journal: the next
        /// process's first commit of that strategy (which expands the pair's entries first) and its
        /// first projection both go through.
        @Test func aDatabaseFileLeftPoisonedRecoversOnTheNextStart() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-poisoned-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("p.sqlite").path
            let host = try await PlatformFixture.host()
            let strategy = try await host.load(StrategySource(id: "flip", code: FanoutJournalTests.flip))
            // The process before: two tenants, a's first candle committed, not yet expanded.
            let first = try PlatformDatabase(path: path)
            let a = try Self.tenant(first, "a", subscribers: 2), b = try Self.tenant(first, "b", subscribers: 2)
            let before = try Coordinator(db: first, host: host, projection: .deferred)
            _ = try await before.execute(LoadedVersion(version: a.version, strategy: strategy), frame: try Self.frame(host, end: 2))
            // Written by hand, as the old code left it: a's poisoned entry, then one of b's.
            let raw = try DatabaseQueue(path: path)
            try await raw.write { d in
                _ = try Self.poison(d, versionID: a.version.id, strategyID: a.version.strategyID, subscriptionID: a.subs[0].subscription,
                                    userID: a.subs[0].user, candleTime: 1_704_067_200_000 + 150_000)
            }
            try raw.close()
            _ = try await before.execute(LoadedVersion(version: b.version, strategy: strategy), frame: try Self.frame(host, end: 2))

            // The next process: its books are empty, so a's commit reads the tables.
            let restarted = try PlatformDatabase(path: path)
            let coordinator = try Coordinator(db: restarted, host: host, projection: .deferred)
            // a's next candle expands a's pending entries inside its commit, the poisoned one included.
            let report = try await coordinator.execute(LoadedVersion(version: a.version, strategy: strategy), frame: try Self.frame(host, end: 3))
            #expect(report.outcome == .committed(status: "ok"))
            try restarted.projectFanouts()
            #expect(try restarted.pendingFanouts() == 0)
            #expect(try restarted.read(Self.quarantined).count == 1)
            for s in b.subs { #expect(try restarted.orderCount(userID: s.user) == 1) }
            for s in a.subs { #expect(try restarted.orderCount(userID: s.user) >= 2, "the first candle's open and the reversal of the third") }
        }
    }
}
