import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// The order level end to end: a strategy's intents on its reference account (what
    /// `ctx.account` shows), mirrored to every subscriber scaled by capital, in the execution's
    /// one transaction; and nothing placed twice across crashes and restarts.
    @Suite struct OrderLevelExecutionTests {
        /// Closes swinging between 92 and 108 (a 16-candle period), with a 0.5 % range.
        static func waves(_ n: Int, start: Int64 = 1_704_067_200_000) -> CandleWindow {
            PlatformFixture.candles((0..<n).map { 100 + 8 * sin(Double($0) * .pi / 8) }, start: start)
        }

        static func strategy(_ db: PlatformDatabase, fixture: String, params: String, reference: ReferenceSpec,
                             lookback: Int = 3) throws -> StoredVersion {
            let author = try db.createUser(name: "author-\(UUID().uuidString.prefix(6))")
            return try db.createStrategy(ownerID: author, name: fixture,
                                         spec: StrategyVersionSpec(source: try PlatformFixture.source(fixture).code, params: params,
                                                                   symbols: ["BTCUSDT"], timeframe: .m1, lookback: lookback,
                                                                   reference: reference))
        }

        static func subscribe(_ db: PlatformDatabase, _ version: StoredVersion, capital: Double, market: MarketKind) throws -> (user: Int64, subscription: Int64) {
            let user = try db.createUser(name: "sub-\(UUID().uuidString.prefix(6))")
            return (user, try db.subscribe(userID: user, strategyID: version.strategyID,
                                           terms: try SubscriptionTerms(capital: capital, riskPerTrade: 0.01, market: market)))
        }

        /// Intents rest on the reference account and on every subscriber's, scaled by capital; the
        /// fills reach the strategy on its next call; a CANCEL is mirrored by tag; a subscriber too
        /// small for the minimum notional gets its orders rejected alone.
        @Test func intentsAreMirroredScaledAndTheirFillsReachTheStrategy() async throws {
            let db = try PlatformDatabase.inMemory()
            try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.001, minNotional: 20, tickSize: 0.01, spotMakerFee: 0, spotTakerFee: 0))
            let version = try Self.strategy(db, fixture: "limit_ladder", params: "{}",
                                            reference: ReferenceSpec(capital: 1_000, market: .spot))
            let same = try Self.subscribe(db, version, capital: 1_000, market: .spot)
            let double = try Self.subscribe(db, version, capital: 2_000, market: .spot)
            let small = try Self.subscribe(db, version, capital: 10, market: .spot)  // 0.01 × ~98 < 20
            let host = try await PlatformFixture.host()
            let loaded = LoadedVersion(version: version, strategy: try await host.load(try PlatformFixture.source("limit_ladder")))
            let coordinator = try Coordinator(db: db, host: host)
            // Candle 3 closes at 100: the strategy places b1 at 98 and b2 at 96.
            let closes: [Double] = [100, 100, 100, 100, 97, 95, 99, 99]
            var window = PlatformFixture.candles(closes)
            for end in 2..<closes.count {
                let report = try await coordinator.execute(loaded, frame: try host.frame(window.window(endingAt: end, lookback: 3)))
                #expect(report.outcome == .committed(status: "ok"), "\(end): \(report.outcome)")
            }
            window = PlatformFixture.candles(closes)
            let sameOrders = try db.allOrders(userID: same.user, subscriptionID: same.subscription)
            let doubleOrders = try db.allOrders(userID: double.user, subscriptionID: double.subscription)
            #expect(sameOrders.map(\.tag) == ["b1", "b2"])
            #expect(sameOrders.map(\.qty) == [1, 1])
            #expect(doubleOrders.map(\.qty) == [2, 2], "scaled by capital 2,000 / 1,000")
            // Candle 4 (97) fills b1 at 98; candle 3's CANCEL of b2 reached everyone before candle 5 (95) could fill it.
            #expect(sameOrders.first { $0.tag == "b1" }?.status == "filled")
            #expect(sameOrders.first { $0.tag == "b2" }?.status == "cancelled")
            #expect(sameOrders.first { $0.tag == "b2" }?.reason == "cancelled-by-strategy")
            #expect(doubleOrders.map(\.status) == ["filled", "cancelled"])
            let smallOrders = try db.allOrders(userID: small.user, subscriptionID: small.subscription)
            #expect(smallOrders.map(\.status) == ["rejected", "rejected"])
            #expect(smallOrders.allSatisfy { $0.reason == "below-min-notional" })
            #expect(try db.allFills(userID: double.user, subscriptionID: double.subscription).map(\.price) == [98])
            // The reference account saw its fill on the call after the candle that filled it, once.
            let state = try db.read { d in try String.fetchOne(d, sql: "SELECT state FROM strategy_state") } ?? ""
            #expect(state.contains(#""fills":[["b1","buy",98.0,1.0]]"#), "\(state)")
            let accounts = try db.accounts(userID: double.user, subscriptionID: double.subscription)
            #expect(accounts.first?.baseFree == 2)
            #expect(accounts.first.map { abs($0.quoteFree - (2_000 - 196)) < 1e-9 } == true)
        }
    
        static let gridParams = #"{"lower": 92, "upper": 108, "levels": 9, "investment": 1000}"#

        /// A grid bot on a file database with three spot subscribers of different capitals.
        static func gridPlatform(_ path: String) throws -> (StoredVersion, [(user: Int64, subscription: Int64)]) {
            let db = try PlatformDatabase(path: path)
            try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
            let version = try strategy(db, fixture: "grid_bot", params: gridParams, reference: ReferenceSpec(capital: 1_000, market: .spot))
            return (version, try [1_000.0, 2_500, 700].map { try subscribe(db, version, capital: $0, market: .spot) })
        }

        /// Everything an account holds, as the tables have it: orders (tag, state, quantity, price,
        /// filled, reason), fills, and the account row.
        static func snapshot(_ path: String, _ subs: [(user: Int64, subscription: Int64)], strategyID: Int64) throws -> [String] {
            let db = try PlatformDatabase(path: path)
            try db.projectFanouts()
            var out: [String] = []
            for s in subs {
                out += try db.allOrders(userID: s.user, subscriptionID: s.subscription).map {
                    "order \($0.orderNo ?? -1) \($0.tag ?? "") \($0.side) \($0.type) \($0.status) \($0.qty) \($0.limitPrice ?? 0) \($0.filled) \($0.price) \($0.reason ?? "")"
                }
                out += try db.allFills(userID: s.user, subscriptionID: s.subscription).map { "fill \($0.orderNo) \($0.price) \($0.qty) \($0.fee) \($0.time)" }
                out += try db.accounts(userID: s.user, subscriptionID: s.subscription).map {
                    "account \($0.quoteFree) \($0.baseFree) \($0.realisedPnl) \($0.fees)"
                }
            }
            let reference = try db.referenceState(strategyID: strategyID, symbol: "BTCUSDT")
            out.append("reference \(reference.map { "\($0.book.account) \($0.book.orders.map(\.tag))" } ?? "none")")
            out.append("state " + (try db.read { d in try String.fetchOne(d, sql: "SELECT state FROM strategy_state") } ?? ""))
            return out
        }

        /// Restart safety (ORDERS.md): a crash inside the commit, a restart with the journal still
        /// pending, and a crash while expanding it — each followed by a fresh process (a new
        /// connection, empty books) — leave every account, order and fill exactly as an
        /// uninterrupted run does: nothing placed twice, no filled level placed again.
        @Test func crashesAndRestartsLeaveEveryAccountAsAnUninterruptedRun() async throws {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-restart-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let host = try await PlatformFixture.host()
            let strategy = try await host.load(try PlatformFixture.source("grid_bot"))
            let candles = Self.waves(64)
            let frames = try (2..<candles.count).map { try host.frame(candles.window(endingAt: $0, lookback: 3)) }

            let calm = dir.appendingPathComponent("calm.sqlite").path
            let (calmVersion, calmSubs) = try Self.gridPlatform(calm)
            let steady = try Coordinator(db: try PlatformDatabase(path: calm), host: host, projection: .deferred)
            for frame in frames {
                #expect(try await steady.execute(LoadedVersion(version: calmVersion, strategy: strategy), frame: frame).outcome
                        == .committed(status: "ok"))
            }

            let rough = dir.appendingPathComponent("rough.sqlite").path
            let (version, subs) = try Self.gridPlatform(rough)
            let loaded = LoadedVersion(version: version, strategy: strategy)
            var coordinator = try Coordinator(db: try PlatformDatabase(path: rough), host: host, projection: .deferred)
            for (i, frame) in frames.enumerated() {
                switch i {
                case 8:  // the process dies while writing the fan-out: nothing of the candle is written
                    let dying = try Coordinator(db: coordinator.db, host: host, lock: InProcessLock(), slippageBps: 0, worker: "dying",
                                                projection: .deferred, afterSubscriber: { n in
                                                    if n == 1 { throw PlatformError(.storage, "killed") }
                                                })
                    await #expect(throws: PlatformError.self) { try await dying.execute(loaded, frame: frame) }
                    coordinator = try Coordinator(db: try PlatformDatabase(path: rough), host: host, projection: .deferred)
                case 23:  // a restart with the journal still pending
                    coordinator = try Coordinator(db: try PlatformDatabase(path: rough), host: host, projection: .deferred)
                case 37:  // the process dies while expanding the journal, then restarts
                    #expect(throws: PlatformError.self) {
                        try coordinator.db.projectFanouts(afterEntry: { _ in throw PlatformError(.storage, "killed") })
                    }
                    coordinator = try Coordinator(db: try PlatformDatabase(path: rough), host: host, projection: .deferred)
                default:
                    break
                }
                #expect(try await coordinator.execute(loaded, frame: frame).outcome == .committed(status: "ok"), "candle \(i)")
                if i % 5 == 0 { try coordinator.db.projectFanouts() }
            }

            let want = try Self.snapshot(calm, calmSubs, strategyID: calmVersion.strategyID)
            let got = try Self.snapshot(rough, subs, strategyID: version.strategyID)
            #expect(want.filter { $0.hasPrefix("fill") }.count > 30, "the grid traded: \(want.filter { $0.hasPrefix("fill") }.count) fills")
            #expect(got.count == want.count)
            for (g, w) in zip(got, want) where g != w {
                Issue.record("differs:\n  got  \(g)\n  want \(w)")
                break
            }
            let db = try PlatformDatabase(path: rough)
            #expect(try db.duplicateOrders() == 0)
            #expect(try db.executionCount() == frames.count)
        }
    }
}
