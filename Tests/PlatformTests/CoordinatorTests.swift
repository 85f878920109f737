import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    @Suite struct CoordinatorTests {
        static let closes: [Double] = (0..<12).map { 100 + Double($0) }

        @Test func twoWorkersWithoutALockStillCommitOnce() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 20)
            // Separate lock tables: as if the lock had expired. The UNIQUE key is the fence.
            let a = try Coordinator(db: db, host: host, lock: InProcessLock(), worker: "a")
            let b = try Coordinator(db: db, host: host, lock: InProcessLock(), worker: "b")
            let frame = try host.frame(PlatformFixture.candles(Self.closes))
            async let ra = a.execute(loaded, frame: frame)
            async let rb = b.execute(loaded, frame: frame)
            let outcomes = try await [ra.outcome, rb.outcome]
            #expect(outcomes.filter { $0 == .committed(status: "ok") }.count == 1)
            #expect(outcomes.filter { $0 == .alreadyExecuted }.count == 1)
            #expect(try db.executionCount() == 1)
            #expect(try db.orderCount() == 2 * subs.count)  // per subscriber, once: the entry and its resting stop
        }

        @Test func theSameLockRefusesASecondHolder() async throws {
            let lock = InProcessLock()
            let first = try await lock.acquire("k", ttl: .seconds(1))
            #expect(first != nil)
            #expect(try await lock.acquire("k", ttl: .seconds(1)) == nil)
            await lock.release(first!)
            #expect(try await lock.acquire("k", ttl: .seconds(1)) != nil)
        }

        @Test func aCrashInTheMiddleOfFanOutLeavesNothingHalfWritten() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 10)
            let frame = try host.frame(PlatformFixture.candles(Self.closes))
            let crashing = try Coordinator(db: db, host: host, lock: InProcessLock(), slippageBps: 0, worker: "x",
                                       afterSubscriber: { n in if n == 4 { throw PlatformError(.storage, "injected crash") } })
            await #expect(throws: PlatformError.self) { try await crashing.execute(loaded, frame: frame) }
            #expect(try db.executionCount() == 0)
            #expect(try db.orderCount() == 0)
            #expect(try db.openPosition(userID: subs[0].user, subscriptionID: subs[0].subscription, symbol: "BTCUSDT") == nil)
            // The key was never committed, so a healthy worker runs it.
            let report = try await Coordinator(db: db, host: host).execute(loaded, frame: frame)
            #expect(report.outcome == .committed(status: "ok"))
            #expect(try db.orderCount() == 2 * subs.count)
        }

        @Test func pausedGetsNoOrdersAndCancelledKeepsHistory() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 3)
            let coordinator = try Coordinator(db: db, host: host)
            _ = try await coordinator.execute(loaded, frame: try host.frame(PlatformFixture.candles(Self.closes)))
            #expect(try db.orderCount(userID: subs[1].user) == 2)  // the entry and its stop
            try db.setStatus(userID: subs[1].user, subscriptionID: subs[1].subscription, to: .paused)
            try db.setStatus(userID: subs[2].user, subscriptionID: subs[2].subscription, to: .cancelled)
            // The next candle gaps below every stop (10% under the entries): only the active subscriber is stopped out.
            var next = Self.closes
            next.append(80)
            _ = try await coordinator.execute(loaded, frame: try host.frame(PlatformFixture.candles(next)))
            #expect(try db.trades(userID: subs[0].user, subscriptionID: subs[0].subscription).map(\.reason) == ["stop-loss"])
            #expect(try db.orderCount(userID: subs[1].user) == 2)
            #expect(try db.orderCount(userID: subs[2].user) == 2)  // history kept
            #expect(throws: PlatformError.self) {
                try db.setStatus(userID: subs[2].user, subscriptionID: subs[2].subscription, to: .active)
            }
        }

        @Test func rowsAreScopedByUser() async throws {
            let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 2)
            _ = try await try Coordinator(db: db, host: host).execute(loaded, frame: try host.frame(PlatformFixture.candles(Self.closes)))
            let (alice, bob) = (subs[0], subs[1])
            #expect(throws: PlatformError.self) { try db.setStatus(userID: bob.user, subscriptionID: alice.subscription, to: .paused) }
            #expect(try db.openPosition(userID: bob.user, subscriptionID: alice.subscription, symbol: "BTCUSDT") == nil)
            #expect(try db.openPosition(userID: alice.user, subscriptionID: alice.subscription, symbol: "BTCUSDT") != nil)
            #expect(try db.subscriptions(userID: bob.user).map(\.id) == [bob.subscription])
        }

        @Test func stateSurvivesARestartAndFailuresAreRecorded() async throws {
            let (db, host, loaded, _) = try await PlatformFixture.platform(strategy: "counter", subscribers: 1)
            for n in 10..<13 {
                // A new coordinator each time: what a restarted worker would build.
                _ = try await try Coordinator(db: db, host: host).execute(loaded, frame: try host.frame(PlatformFixture.candles(Array(Self.closes.prefix(n)))))
            }
            let state = try db.read { db in
                try String.fetchOne(db, sql: "SELECT state FROM strategy_state WHERE strategy_id = ?", arguments: [loaded.version.strategyID])
            }
            #expect(state == #"{"calls":3}"#)
            let broken = try await host.load(StrategySource(id: "broken", code: "def main(data):\n    raise ValueError('nope')\n"))
            let brokenVersion = LoadedVersion(version: loaded.version, strategy: broken)
            var candles = Self.closes
            candles.append(112)
            let report = try await try Coordinator(db: db, host: host).execute(brokenVersion, frame: try host.frame(PlatformFixture.candles(candles)))
            #expect(report.outcome == .committed(status: "exception"))
            let row = try db.read { db in
                try Row.fetchOne(db, sql: "SELECT status, traceback FROM executions WHERE id = ?", arguments: [report.executionID])
            }
            #expect(row?["status"] as String? == "exception")
            #expect((row?["traceback"] as String?)?.contains("nope") == true)
        }
    }
}

extension PlatformTests.CoordinatorTests {
    @Test func severalSignalsInOneCallRecordEveryTrade() async throws {
        let (db, host, loaded, subs) = try await PlatformFixture.platform(strategy: "counter", subscribers: 1)
        let coordinator = try Coordinator(db: db, host: host)
        let w1 = PlatformFixture.candles(Self.closes)
        _ = try await coordinator.commit(signals: [Signal(action: .buy, entryPrice: 111, symbol: "BTCUSDT")], version: loaded.version, window: w1)
        // Next candle: SELL then BUY in one call — close the long, open and close a short, open a long.
        var next = Self.closes
        next.append(113)
        let w2 = PlatformFixture.candles(next)
        _ = try await coordinator.commit(signals: [Signal(action: .sell, entryPrice: 113, symbol: "BTCUSDT"),
                                                   Signal(action: .buy, entryPrice: 113, symbol: "BTCUSDT")],
                                         version: loaded.version, window: w2)
        let (user, sub) = subs[0]
        let trades = try db.trades(userID: user, subscriptionID: sub)
        #expect(trades.map(\.side) == [.long, .short])
        #expect(trades.first?.exitPrice == 113)
        #expect(trades.last?.entryPrice == 113)
        #expect(trades.last?.exitPrice == 113)
        let open = try db.openPosition(userID: user, subscriptionID: sub, symbol: "BTCUSDT")
        #expect(open?.side == .long)
        #expect(open?.entryTime == w2.times.last)
    }
}
