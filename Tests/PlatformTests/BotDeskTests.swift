import Foundation
import GRDB
@testable import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    /// Bots on the platform: validation and previews by the bots' own Python, a bot as a strategy
    /// version with its owner's subscription, copies scaled by capital, stop and start.
    @Suite struct BotDeskTests {
        static let gridParams = #"{"lower": 92, "upper": 108, "levels": 9}"#

        /// A desk whose clock stands just after candle `index` of `candles` closed.
        static func desk(_ db: PlatformDatabase, _ host: StrategyHost, catalog: BotCatalog, at index: Int, of candles: CandleWindow,
                         coordinator: Coordinator? = nil) -> BotDesk {
            let now = candles.times[index] + 60_000 + 1
            return BotDesk(db: db, catalog: catalog, coordinator: coordinator, candles: StoreSource(db: db),
                           clock: VirtualClock(virtualStart: now, wallStart: VirtualClock.wallNow(), speed: 0))
        }

        static func rulesDB() throws -> PlatformDatabase {
            let db = try PlatformDatabase.inMemory()
            try db.setRules(symbol: "BTCUSDT", SymbolRules(lotStep: 0.0001, minNotional: 5, tickSize: 0.01))
            return db
        }

        /// BOTS.md's grid example (fee 0.1 %): L 90, U 110, N 6, P0 99, investment 500.
        @Test func thePreviewIsTheWorkedExampleOfBOTSmd() async throws {
            let catalog = BotCatalog(host: try await PlatformFixture.host())
            let json = try await catalog.preview(.grid, params: #"{"lower": 90, "upper": 110, "levels": 6, "investment": 500}"#,
                                                 rules: try MarketRules(market: .spot), price: 99)
            let preview = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let orders = try #require(preview["orders"] as? [[String: Any]])
            let rows = orders.map { ("\($0["side"]!) \($0["type"]!) \($0["price"]!)", ($0["quantity"] as? NSNumber)?.doubleValue ?? -1) }
            let want: [(String, Double)] = [("buy market 99.0", 2.8328793), ("buy limit 90.0", 1.1111111), ("buy limit 94.0", 1.0638298),
                                            ("sell limit 102.0", 0.9803922), ("sell limit 106.0", 0.9433962), ("sell limit 110.0", 0.9090909)]
            #expect(rows.map(\.0) == want.map(\.0))
            for (got, w) in zip(rows, want) { #expect(abs(got.1 - w.1) < 5e-8, "\(got.0): \(got.1)") }
            #expect((preview["emptyLine"] as? NSNumber)?.doubleValue == 98)
        }

        /// The bot's own validation names the field, as Python reports it; nothing is stored.
        @Test func anInvalidBotIsRefusedNamingTheFieldAndNothingIsStored() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let candles = OrderLevelExecutionTests.waves(8)
            _ = try db.importCandles(candles)
            let owner = try db.createUser(name: "owner")
            let desk = Self.desk(db, host, catalog: BotCatalog(host: host), at: 3, of: candles)
            // 30 / 8 per order: 0.0407 at 92 after the lot step is 3.74, under the minimum notional 5.
            let small = try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1, params: Self.gridParams, investment: 30)
            let error = await #expect(throws: PlatformError.self) { try await desk.create(ownerID: owner, small) }
            #expect(error?.field == "investment")
            #expect(error?.message.contains("below the minimum notional 5") == true, "\(error?.message ?? "")")
            let many = try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1, params: #"{"lower": 92, "upper": 108, "levels": 300}"#,
                                   investment: 1_000)
            let levels = await #expect(throws: PlatformError.self) { try await desk.create(ownerID: owner, many) }
            #expect(levels?.field == "levels")
            #expect(throws: PlatformError.self) {
                try BotSpec(kind: .combo, symbol: "BTCUSDT", timeframe: .m1, market: .spot, params: "{}", investment: 100)
            }
            #expect(try db.bots(ownerID: owner).isEmpty)
            #expect(try db.read { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM strategies") } == 0)
            #expect(try db.subscriptions(userID: owner).isEmpty)
        }

        /// A public grid bot: the wrapper version and the owner's subscription; a copier mirrors
        /// its orders scaled by capital; a private bot cannot be copied; a stop with closePosition
        /// cancels every order of both and sells their base; a start begins afresh.
        @Test func aBotRunsIsCopiedScaledStopsAndStartsAgain() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let catalog = BotCatalog(host: host)
            let candles = OrderLevelExecutionTests.waves(40)
            _ = try db.importCandles(candles)
            let coordinator = try Coordinator(db: db, host: host)
            let owner = try db.createUser(name: "owner"), copier = try db.createUser(name: "copier")
            var desk = Self.desk(db, host, catalog: catalog, at: 2, of: candles, coordinator: coordinator)
            let spec = try BotSpec(kind: .grid, symbol: "btcusdt", timeframe: .m1, params: Self.gridParams, investment: 1_000, isPublic: true)
            let bot = try await desk.create(ownerID: owner, spec)
            let hidden = try await desk.create(ownerID: owner, try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1,
                                                                           params: Self.gridParams, investment: 1_000))
            let version = try #require(try db.strategyVersions(strategyID: bot.id).last)
            #expect(version.spec.source.contains("from tradekit.bots.grid import main"))
            #expect(version.spec.params.contains(#""investment": 1000.0"#) && version.spec.params.contains(#""levels": 9"#), "\(version.spec.params)")
            #expect(version.spec.reference.market == .spot && version.spec.reference.capital == bot.capital)
            let owned = try db.subscription(userID: owner, id: bot.subscriptionID)
            #expect(owned.terms.capital == bot.capital && owned.terms.market == .spot && bot.capital >= 1_000)
            await #expect(throws: PlatformError.self) { try await desk.copy(userID: copier, id: hidden.id, capital: 500) }
            let copy = try await desk.copy(userID: copier, id: bot.id, capital: bot.capital / 2)
            await #expect(throws: PlatformError.self) { try await desk.copy(userID: copier, id: bot.id, capital: 500) }  // a second copy

            let loaded = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "grid-bot", code: version.spec.source)))
            for end in 2..<30 {
                let report = try await coordinator.execute(loaded, frame: try host.frame(candles.window(endingAt: end, lookback: 2)))
                #expect(report.outcome == .committed(status: "ok"), "\(end): \(report.outcome)")
            }
            let ownerOrders = try db.allOrders(userID: owner, subscriptionID: bot.subscriptionID)
            let copierOrders = try db.allOrders(userID: copier, subscriptionID: copy)
            #expect(ownerOrders.count > 10 && ownerOrders.count == copierOrders.count)
            for (o, c) in zip(ownerOrders, copierOrders) where o.status != "rejected" {
                #expect(o.tag == c.tag && abs(c.qty - o.qty / 2) <= 0.0001 + 1e-9, "\(o.tag ?? ""): \(o.qty) vs \(c.qty)")
            }
            var report = try desk.report(ownerID: owner, id: bot.id)
            #expect(report.state == "running" && !report.openOrders.isEmpty)
            #expect(report.status.roundTrips > 0, "the waves cross several lines: \(report.status)")
            #expect(report.equity != nil && report.totalPnl.isFinite)
            #expect(abs((report.unrealisedPnl ?? .nan) + report.status.realised - report.totalPnl) < 1e-9)
            #expect(throws: PlatformError.self) { try desk.report(ownerID: copier, id: bot.id) }  // not the copier's bot

            desk = Self.desk(db, host, catalog: catalog, at: 29, of: candles, coordinator: coordinator)
            let stopped = try await desk.stop(ownerID: owner, id: bot.id, closePosition: true)
            #expect(stopped.status == .stopped && stopped.closedPosition)
            report = try desk.report(ownerID: owner, id: bot.id)
            #expect(report.state == "stopped" && report.openOrders.isEmpty)
            #expect(try db.orders(userID: copier, subscriptionID: copy, open: true, limit: 50, offset: 0).items.isEmpty)
            for (user, sub) in [(owner, bot.subscriptionID), (copier, copy)] {
                let account = try #require(try db.accounts(userID: user, subscriptionID: sub).first)
                #expect(account.baseFree < 0.0001, "sold at market: \(account.baseFree)")
            }
            #expect(try db.read { d in try String.fetchOne(d, sql: "SELECT paused_reason FROM strategies WHERE id = ?", arguments: [bot.id]) }
                    == "stopped by its owner")
            await #expect(throws: PlatformError.self) { try await desk.stop(ownerID: owner, id: bot.id, closePosition: false) }
            let started = try await desk.start(ownerID: owner, id: bot.id)
            #expect(started.status == .running)
            #expect(try db.botState(started) == "{}", "a stop that closed the position starts afresh")
            try await desk.delete(ownerID: owner, id: bot.id)
            #expect(try db.bots(ownerID: owner).map(\.id) == [hidden.id])
            #expect(try db.subscription(userID: copier, id: copy).status == .cancelled)
        }

        /// Under `serve` the executor defers expanding the journal to its next scheduling pass,
        /// which a stopped bot does not get: the stop's cancels are expanded at once, so the
        /// owner sees no open order left.
        @Test func aStopIsExpandedAtOnceWhenTheExecutorDefersExpansion() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let catalog = BotCatalog(host: host)
            let candles = OrderLevelExecutionTests.waves(20)
            _ = try db.importCandles(candles)
            let coordinator = try Coordinator(db: db, host: host, projection: .deferred)
            let owner = try db.createUser(name: "owner")
            var desk = Self.desk(db, host, catalog: catalog, at: 2, of: candles, coordinator: coordinator)
            let bot = try await desk.create(ownerID: owner, try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1,
                                                                        params: Self.gridParams, investment: 1_000))
            let version = try #require(try db.strategyVersions(strategyID: bot.id).last)
            let loaded = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "grid-bot", code: version.spec.source)))
            for end in 2..<9 {
                _ = try await coordinator.execute(loaded, frame: try host.frame(candles.window(endingAt: end, lookback: 2)))
            }
            try db.projectFanouts()  // the worker's pass after those closes
            func open() throws -> Int { try db.orders(userID: owner, subscriptionID: bot.subscriptionID, open: true, limit: 50, offset: 0).items.count }
            #expect(try open() > 0)
            desk = Self.desk(db, host, catalog: catalog, at: 8, of: candles, coordinator: coordinator)
            _ = try await desk.stop(ownerID: owner, id: bot.id, closePosition: false)
            #expect(try open() == 0, "the stop's cancels are in the tables without another pass")
        }

        /// A bot that counts its profit in base (BTD): its unrealised P&L is the total less the
        /// realised coins valued at the newest close, so realised and unrealised add up to the total.
        @Test func aBaseProfitBotReportsItsUnrealisedPnlInQuote() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let catalog = BotCatalog(host: host)
            let candles = OrderLevelExecutionTests.waves(40)
            _ = try db.importCandles(candles)
            let coordinator = try Coordinator(db: db, host: host)
            let owner = try db.createUser(name: "owner")
            let desk = Self.desk(db, host, catalog: catalog, at: 2, of: candles, coordinator: coordinator)
            let bot = try await desk.create(ownerID: owner, try BotSpec(kind: .btd, symbol: "BTCUSDT", timeframe: .m1,
                                                                        params: Self.gridParams, investment: 1_000))
            let version = try #require(try db.strategyVersions(strategyID: bot.id).last)
            let loaded = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "btd-bot", code: version.spec.source)))
            for end in 2..<34 {
                _ = try await coordinator.execute(loaded, frame: try host.frame(candles.window(endingAt: end, lookback: 2)))
            }
            let report = try desk.report(ownerID: owner, id: bot.id)
            #expect(report.status.currency == "base" && report.status.realised > 0, "\(report.status)")
            #expect(report.price == candles.close[33])
            let unrealised = try #require(report.unrealisedPnl)
            #expect(abs(unrealised + report.status.realised * candles.close[33] - report.totalPnl) < 1e-9)
        }

        /// A run of the bot that was in flight when its owner stopped it commits nothing: it is
        /// recorded `skipped`, the stop's cancels stand (no order reopens, the reference account
        /// keeps no resting order), and after a start only the new version trades.
        @Test func aRunInFlightWhenTheBotStopsPlacesNothing() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let catalog = BotCatalog(host: host)
            let candles = OrderLevelExecutionTests.waves(20)
            _ = try db.importCandles(candles)
            let coordinator = try Coordinator(db: db, host: host)
            let owner = try db.createUser(name: "owner")
            var desk = Self.desk(db, host, catalog: catalog, at: 2, of: candles, coordinator: coordinator)
            let bot = try await desk.create(ownerID: owner, try BotSpec(kind: .grid, symbol: "BTCUSDT", timeframe: .m1,
                                                                        params: Self.gridParams, investment: 1_000))
            let version = try #require(try db.strategyVersions(strategyID: bot.id).last)
            let strategy = try await host.load(StrategySource(id: "grid-bot", code: version.spec.source))
            let old = LoadedVersion(version: version, strategy: strategy)
            for end in 2..<9 {
                let report = try await coordinator.execute(old, frame: try host.frame(candles.window(endingAt: end, lookback: 2)))
                #expect(report.outcome == .committed(status: "ok"), "\(end): \(report.outcome)")
            }
            #expect(!(try db.orders(userID: owner, subscriptionID: bot.subscriptionID, open: true, limit: 50, offset: 0).items.isEmpty))
            desk = Self.desk(db, host, catalog: catalog, at: 8, of: candles, coordinator: coordinator)
            _ = try await desk.stop(ownerID: owner, id: bot.id, closePosition: false)
            let ordersAtStop = try db.allOrders(userID: owner, subscriptionID: bot.subscriptionID)
            #expect(ordersAtStop.allSatisfy { $0.status != "new" && $0.status != "partially-filled" })

            // The scheduler had loaded the old version before the stop and runs candle 9 now.
            let late = try await coordinator.execute(old, frame: try host.frame(candles.window(endingAt: 9, lookback: 2)))
            #expect(late.outcome == .committed(status: "skipped"), "\(late.outcome)")
            #expect(late.intents.isEmpty && late.signals.isEmpty)
            #expect(try db.allOrders(userID: owner, subscriptionID: bot.subscriptionID) == ordersAtStop, "nothing placed after the stop")
            let reference = try #require(try db.referenceState(strategyID: bot.id, symbol: "BTCUSDT"))
            #expect(reference.book.orders.isEmpty, "the reference account keeps the stop's cancels")
            let reason = try db.read { d in
                try String.fetchOne(d, sql: "SELECT error_message FROM executions WHERE id = ?", arguments: [late.executionID])
            }
            #expect(reason?.contains("paused or stopped") == true, "\(reason ?? "nil")")

            _ = try await desk.start(ownerID: owner, id: bot.id)
            let newest = try #require(try db.strategyVersions(strategyID: bot.id).last)
            #expect(newest.id != version.id)
            let stale = try await coordinator.execute(old, frame: try host.frame(candles.window(endingAt: 10, lookback: 2)))
            #expect(stale.outcome == .committed(status: "skipped"), "a replaced version no longer trades: \(stale.outcome)")
            let current = LoadedVersion(version: newest, strategy: strategy)
            let resumed = try await coordinator.execute(current, frame: try host.frame(candles.window(endingAt: 11, lookback: 2)))
            #expect(resumed.outcome == .committed(status: "ok"), "\(resumed.outcome)")
            #expect(!(try db.orders(userID: owner, subscriptionID: bot.subscriptionID, open: true, limit: 50, offset: 0).items.isEmpty),
                    "the started bot places its book again")
        }

        /// `start: "signal"`: a DCA bot waits for a BUY of the strategy it names on its symbol, and
        /// starts one deal on it — even when the strategy runs after the bot at that close (the
        /// bot then sees it at the next close). A strategy that does not exist is refused.
        @Test func aStrategysBuyStartsADCADeal() async throws {
            let db = try Self.rulesDB()
            let host = try await PlatformFixture.host()
            let catalog = BotCatalog(host: host)
            let candles = OrderLevelExecutionTests.waves(16)
            _ = try db.importCandles(candles)
            let author = try db.createUser(name: "author"), owner = try db.createUser(name: "owner")
            let source = try PlatformFixture.source("buy_on_fifth_call")
            let signaller = try db.createStrategy(ownerID: author, name: "signaller",
                                                  spec: StrategyVersionSpec(source: source.code, symbols: ["BTCUSDT"], timeframe: .m1, lookback: 2))
            let desk = Self.desk(db, host, catalog: catalog, at: 2, of: candles, coordinator: try Coordinator(db: db, host: host))
            func dca(_ strategy: String) throws -> BotSpec {
                try BotSpec(kind: .dca, symbol: "BTCUSDT", timeframe: .m1, params: """
                    {"baseOrder": 100, "maxSafetyOrders": 2, "activeSafetyOrders": 2, "deviation": 0.02, "takeProfit": 0.01,
                     "start": "signal", "strategy": "\(strategy)"}
                    """, investment: 400)
            }
            let missing = await #expect(throws: PlatformError.self) { try await desk.create(ownerID: owner, try dca("99999")) }
            #expect(missing?.field == "strategy")
            let bot = try await desk.create(ownerID: owner, try dca(String(signaller.strategyID)))
            let version = try #require(try db.strategyVersions(strategyID: bot.id).last)
            let coordinator = try Coordinator(db: db, host: host)
            let botRun = LoadedVersion(version: version, strategy: try await host.load(StrategySource(id: "dca-bot", code: version.spec.source)))
            let signalRun = LoadedVersion(version: signaller, strategy: try await host.load(source))
            for end in 2..<16 {
                let frame = try host.frame(candles.window(endingAt: end, lookback: 2))
                #expect(try await coordinator.execute(botRun, frame: frame).outcome == .committed(status: "ok"), "bot at \(end)")
                _ = try await coordinator.execute(signalRun, frame: frame)  // after the bot: its BUY at 6 reaches the bot at 7
            }
            let orders = try db.allOrders(userID: owner, subscriptionID: bot.subscriptionID)
            let first = try #require(orders.first, "a deal started")
            #expect(first.type == "market" && first.side == "buy" && first.candleTime == candles.times[7], "\(first)")
            #expect(orders.filter { $0.type == "market" && $0.side == "buy" }.count == 1, "one deal per signal: \(orders.map { "\($0.tag ?? "") \($0.type)" })")
            #expect(orders.contains { $0.type == "limit" && $0.side == "sell" }, "its take-profit")
        }
    }
}
