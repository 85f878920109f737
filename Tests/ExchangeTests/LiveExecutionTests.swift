import Crypto
import ExchangeSimulator
import Foundation
@testable import Platform
import StrategyRuntime
import Testing

/// Live trading end to end through the Coordinator: a real SQLite file, the real embedded
/// CPython running a strategy, the exchange simulator on loopback, credentials sealed as the API
/// seals them and opened by the executor's keyring.
@Suite(.serialized) struct LiveExecutionTests {
    /// A subscriber: its name, capital, and the credential it names (broker, API key, secret), if any.
    struct Subscriber {
        var name: String
        var capital: Double
        var broker: String?
        var apiKey = "key0"
        var secret = "secret0"
    }

    struct Fixture {
        let dir: URL
        let db: PlatformDatabase
        let host: StrategyHost
        let loaded: LoadedVersion
        let master: SymmetricKey
        let h: SimHarness
        /// name → (user, subscription)
        let subs: [String: (user: Int64, sub: Int64)]

        func dispatch(_ faults: LiveDispatch.Faults = .init()) -> LiveDispatch {
            var settings = LiveOrderRouter.Settings()
            settings.retryDelayMs = 50
            let router = LiveOrderRouter(connectors: h.connectors, keyring: SealedKeyring(db: db, masterKey: master), settings: settings)
            return LiveDispatch(router: router, faults: faults)
        }

        func coordinator(_ live: LiveDispatch?) throws -> Coordinator { try Coordinator(db: db, host: host, live: live) }

        /// The platform's candles: closes near 200, where the simulator's market trades near 100,
        /// so a paper fill and an exchange fill cannot be mistaken for each other.
        func frame() throws -> CandleFrame {
            var w = CandleWindow(symbol: "BTCUSDT", timeframe: "1m", times: [], open: [], high: [], low: [], close: [], volume: [])
            let start = Timeframe.m1.floor(VirtualClock.wallNow()) - 12 * 60_000
            for i in 0..<10 {
                let c = 200 + Double(i)
                w.times.append(start + Int64(i) * 60_000)
                w.open.append(c - 0.5)
                w.high.append(c + 1)
                w.low.append(c - 1)
                w.close.append(c)
                w.volume.append(1)
            }
            return try host.frame(w)
        }

        func live(_ name: String) throws -> [LiveOrderRecord] {
            try db.liveOrders(userID: subs[name]!.user, subscriptionID: subs[name]!.sub)
        }

        func fills(_ name: String) throws -> [FillEntry] { try db.allFills(userID: subs[name]!.user, subscriptionID: subs[name]!.sub) }

        func stop() async {
            await h.stop()
            try? FileManager.default.removeItem(at: dir)
        }
    }

    static func fixture(_ subscribers: [Subscriber]) async throws -> Fixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try PlatformDatabase(path: dir.appendingPathComponent("tradectl.sqlite").path)
        // The platform's rules: the exchange's tick and lot, but no minimum notional, so only the
        // exchange's own filter can refuse a small order.
        try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.00001, minNotional: 0, tickSize: 0.01, minQuantity: 0.00001))
        let host = try await StrategyHost()
        let author = try db.createUser(name: "author")
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
        let src = try StrategySource(file: fixtures + "/buy_once.py", id: "buy_once")
        let version = try db.createStrategy(ownerID: author, name: "buy_once",
                                            spec: StrategyVersionSpec(source: src.code, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 5))
        let master = SymmetricKey(size: .bits256)
        var subs: [String: (Int64, Int64)] = [:]
        for s in subscribers {
            let user = try db.createUser(name: s.name)
            var credential: String?
            if let broker = s.broker {
                let plain = try JSONSerialization.data(withJSONObject: ["apiKey": s.apiKey, "apiSecret": s.secret])
                let id = "cred_\(s.name)"
                let sealed = try AES.GCM.seal(plain, using: master, authenticating: Data("\(user)/\(id)".utf8)).combined!
                _ = try db.storeCredential(userID: user, publicID: id, broker: broker, label: s.name, hint: "••••", sealed: sealed)
                credential = id
            }
            let terms = try SubscriptionTerms(capital: s.capital, riskPerTrade: 0.1, leverage: 1, allowShort: false, market: .spot)
            subs[s.name] = (user, try db.subscribe(userID: user, strategyID: version.strategyID, terms: terms, brokerCredentialID: credential))
        }
        let loaded = LoadedVersion(version: version, strategy: try await host.load(src))
        let h = try await SimHarness.start()
        return Fixture(dir: dir, db: db, host: host, loaded: loaded, master: master, h: h, subs: subs)
    }

    /// One execution fanned out to a paper, a Binance spot and a CoinDCX subscriber: the live ones
    /// are placed once each on their exchange and filled there (at the exchange's price), never
    /// on paper; the paper one fills on paper at the platform's close.
    @Test func oneExecutionFansOutToPaperBinanceAndCoinDCX() async throws {
        let f = try await Self.fixture([Subscriber(name: "paper", capital: 10_000, broker: nil),
                                        Subscriber(name: "bin", capital: 10_000, broker: "binance"),
                                        Subscriber(name: "dcx", capital: 10_000, broker: "coindcx", apiKey: "key1", secret: "secret1")])
        defer { Task { await f.stop() } }
        let report = try await f.coordinator(f.dispatch()).execute(f.loaded, frame: try f.frame())
        #expect(report.outcome == .committed(status: "ok"))
        #expect(report.live?.accepted == 2 && report.live?.failed == 0 && report.live?.rejected == 0, "\(String(describing: report.live))")
        // Exactly one order per live subscriber at the simulator, on its own venue.
        #expect(f.h.sim.orders(apiKey: "key0", venue: .spot).count == 1)
        #expect(f.h.sim.orders(apiKey: "key1", venue: .coindcx).count == 1)
        #expect(f.h.sim.allOrders.count == 2)
        for name in ["bin", "dcx"] {
            let live = try f.live(name)
            try #require(live.count == 1, "\(name): \(live)")
            #expect(live[0].outcome == "accepted" && live[0].status == "filled", "\(name): \(live)")
            #expect(ClientOrderID.isDerived(live[0].clientID))
            #expect(f.h.sim.count(clientID: live[0].clientID) == 1)
            // The fill is the exchange's (near 100), not a paper fill at the platform's close (near 209).
            let fills = try f.fills(name)
            #expect(fills.count == 1 && fills[0].price < 150, "\(name): \(fills)")
        }
        let paper = try f.fills("paper")
        #expect(paper.count == 1 && paper[0].price > 200)
        #expect(try f.live("paper").isEmpty)
    }

    /// The worker stops right after the commit (nothing routed), and again, in a second run,
    /// after the exchange accepted the orders but before their answers were recorded. Each
    /// time a fresh executor's start-up reconciliation leaves exactly one order per subscriber
    /// at the simulator: placed once (queried first) in the first case, adopted in the second.
    @Test func workerKilledBetweenCommitAndRoutingReconcilesToOneOrder() async throws {
        let f = try await Self.fixture([Subscriber(name: "bin", capital: 10_000, broker: "binance"),
                                        Subscriber(name: "dcx", capital: 10_000, broker: "coindcx", apiKey: "key1", secret: "secret1")])
        defer { Task { await f.stop() } }
        let first = try await f.coordinator(f.dispatch(.init(stopAfterCommit: true))).execute(f.loaded, frame: try f.frame())
        #expect(first.outcome == .committed(status: "ok"))
        #expect(f.h.sim.allOrders.isEmpty)
        #expect(try f.live("bin").map(\.outcome) == ["pending"] && f.live("dcx").map(\.outcome) == ["pending"])
        // "Restart": a fresh dispatch and coordinator; the same execution cannot commit twice.
        let restarted = f.dispatch()
        let again = try await f.coordinator(restarted).execute(f.loaded, frame: try f.frame())
        #expect(again.outcome == .alreadyExecuted)
        let r = await restarted.reconcile(db: f.db, settings: LocalSettings(db: f.db))
        #expect(r.errors.isEmpty, "\(r.errors)")
        #expect(r.findings.filter { $0.disagreement.contains("never confirmed; the exchange does not have it") }.count == 2, "\(r.findings)")
        for name in ["bin", "dcx"] {
            let live = try f.live(name)
            try #require(live.count == 1, "\(name): \(live)")
            #expect(live[0].outcome == "accepted" && live[0].status == "filled", "\(name): \(live)")
            #expect(f.h.sim.count(clientID: live[0].clientID) == 1)
        }
        #expect(f.h.sim.allOrders.count == 2)
        // A second start finds nothing left to do and places nothing.
        let calm = await f.dispatch().reconcile(db: f.db, settings: LocalSettings(db: f.db))
        #expect(calm.findings.filter { $0.disagreement.hasPrefix("order") }.isEmpty, "\(calm.findings)")
        #expect(f.h.sim.allOrders.count == 2)
    }

    /// `serve` and `worker` run `Worker.run`: it reconciles every live subscription before its
    /// first scheduling pass, so an order left pending by a killed worker is placed (once) by
    /// the next worker's start alone.
    @Test func workerStartReconcilesBeforeScheduling() async throws {
        let f = try await Self.fixture([Subscriber(name: "bin", capital: 10_000, broker: "binance")])
        defer { Task { await f.stop() } }
        _ = try await f.coordinator(f.dispatch(.init(stopAfterCommit: true))).execute(f.loaded, frame: try f.frame())
        #expect(f.h.sim.allOrders.isEmpty)
        #expect(try f.live("bin").map(\.outcome) == ["pending"])
        let now = VirtualClock.wallNow()
        var settings = Worker.Settings()
        settings.until = now - 1  // nothing to schedule: the run is its start-up alone
        let worker = Worker(coordinator: try f.coordinator(f.dispatch()), source: StoreSource(db: f.db),
                            clock: VirtualClock(virtualStart: now, wallStart: now, speed: 1), settings: settings)
        _ = try await worker.run()
        let live = try f.live("bin")
        try #require(live.count == 1, "\(live)")
        #expect(live.map(\.outcome) == ["accepted"] && live[0].status == "filled", "\(live)")
        #expect(f.h.sim.count(clientID: live[0].clientID) == 1 && f.h.sim.allOrders.count == 1)
        #expect(try f.db.liveFindings(userID: f.subs["bin"]!.user, subscriptionID: f.subs["bin"]!.sub)
                    .contains { $0.resolution.hasPrefix("placed again") })
    }

    @Test func workerKilledAfterPlacingBeforeRecordingAdoptsTheExchangesOrders() async throws {
        let f = try await Self.fixture([Subscriber(name: "bin", capital: 10_000, broker: "binance-spot")])
        defer { Task { await f.stop() } }
        _ = try await f.coordinator(f.dispatch(.init(stopAfterPlacing: true))).execute(f.loaded, frame: try f.frame())
        #expect(f.h.sim.allOrders.count == 1)
        #expect(try f.live("bin").map(\.outcome) == ["pending"])
        let r = await f.dispatch().reconcile(db: f.db, settings: LocalSettings(db: f.db))
        #expect(r.findings.contains { $0.disagreement.contains("never confirmed; the exchange has it") && $0.resolution.hasPrefix("adopted") },
                "\(r.findings)")
        let live = try f.live("bin")
        try #require(live.count == 1, "\(live)")
        #expect(live.map(\.outcome) == ["accepted"] && live[0].status == "filled")
        #expect(f.h.sim.allOrders.count == 1)
        let fills = try f.fills("bin")
        #expect(fills.count == 1)
        // The exchange's balance (which holds the fill) is adopted over the fill applied here: the
        // base is held once, not twice.
        let account = try f.db.accounts(userID: f.subs["bin"]!.user, subscriptionID: f.subs["bin"]!.sub)
        #expect(account.count == 1 && abs(account[0].baseFree - (fills.first?.qty ?? -1)) < 1e-9, "\(account) \(fills)")
    }

    /// A subscriber whose mirrored order is under the exchange's minimum notional gets it
    /// recorded rejected with the exchange's code and message; the others of the same
    /// execution are placed as usual.
    @Test func filterFailureIsRecordedOnThatSubscriberOnly() async throws {
        let f = try await Self.fixture([Subscriber(name: "bin", capital: 10_000, broker: "binance"),
                                        Subscriber(name: "tiny", capital: 20, broker: "binance")])
        defer { Task { await f.stop() } }
        let report = try await f.coordinator(f.dispatch()).execute(f.loaded, frame: try f.frame())
        #expect(report.live?.accepted == 1 && report.live?.rejected == 1)
        let tiny = try f.live("tiny")
        try #require(tiny.count == 1, "\(tiny)")
        #expect(tiny[0].outcome == "rejected" && tiny[0].status == "rejected", "\(tiny)")
        #expect(tiny[0].exchangeCode == -1013 && tiny[0].message == "Filter failure: NOTIONAL" && tiny[0].reason == "below-min-notional")
        #expect(f.h.sim.count(clientID: tiny[0].clientID) == 0)
        #expect(try f.fills("tiny").isEmpty)
        #expect(try f.live("bin").first?.status == "filled")
    }

    /// A credential the exchange refuses (a wrong secret) fails that subscription's orders with a
    /// typed error; the others of the same execution are placed, and no secret is recorded.
    @Test func badCredentialsGiveATypedErrorOnThatSubscriptionOnly() async throws {
        let f = try await Self.fixture([Subscriber(name: "bin", capital: 10_000, broker: "binance"),
                                        Subscriber(name: "bad", capital: 10_000, broker: "binance", apiKey: "key1", secret: "wrong-secret")])
        defer { Task { await f.stop() } }
        let report = try await f.coordinator(f.dispatch()).execute(f.loaded, frame: try f.frame())
        #expect(report.live?.accepted == 1 && report.live?.failed == 1)
        #expect(report.live?.errors[f.subs["bad"]!.sub]?.map(\.code) == [.badCredentials])
        #expect(report.live?.errors[f.subs["bin"]!.sub] == nil)
        let bad = try f.live("bad")
        try #require(bad.count == 1, "\(bad)")
        #expect(bad[0].outcome == "failed" && bad[0].errorCode == "bad-credentials" && bad[0].status == "rejected", "\(bad)")
        #expect(!(bad[0].message ?? "").contains("wrong-secret"))
        #expect(try f.fills("bad").isEmpty)
        #expect(try f.live("bin").first?.status == "filled")
        #expect(f.h.sim.allOrders.count == 1)
    }
}
