import ExchangeSimulator
import Foundation
@testable import Platform
import StrategyRuntime
import Testing

/// The closed-candle rule: a Binance row is closed only when its closeTime is before the server
/// time; CoinDCX answers newest first. The candle forming now is never handed to a strategy.
@Suite(.serialized) struct ClosedCandleTests {
    @Test(arguments: [ExchangeVenue.binanceSpot, .binanceUSDM, .coindcx])
    func liveCandlesAreClosedAndOldestFirst(venue: ExchangeVenue) async throws {
        let h = try await SimHarness.start(skewMs: 2_000)
        defer { Task { await h.stop() } }
        let connector = try #require(h.connectors.connector(venue))
        let forming = Timeframe.m1.floor(h.sim.now())
        let window = try await connector.candles(symbol: "BTCUSDT", timeframe: .m1, from: forming - 20 * 60_000, through: forming, limit: 1_000)
        #expect(window.times == window.times.sorted() && Set(window.times).count == window.count)
        #expect(!window.times.contains(forming))
        guard forming == Timeframe.m1.floor(h.now), forming == Timeframe.m1.floor(h.sim.now()) else { return }  // a minute turned meanwhile
        #expect(window.count == 11)  // the script has 12 candles; the 12th is forming
        #expect(window.times.last == forming - 60_000)
        #expect(window.close.last == 104)
    }

    @Test func binanceRowsPastTheServerTimeAreDropped() throws {
        let body = Array("""
            [[1000,"1","2","0.5","1.5","10",60999,"0",1,"0","0","0"],[61000,"1.5","2","1","1.8","10",120999,"0",1,"0","0","0"]]
            """.utf8)
        let w1 = try BinanceConnector.closedCandles(body, symbol: "X", timeframe: .m1, serverTime: 120_999, from: 0, through: .max)
        #expect(w1.times == [1000])
        let w2 = try BinanceConnector.closedCandles(body, symbol: "X", timeframe: .m1, serverTime: 121_000, from: 0, through: .max)
        #expect(w2.times == [1000, 61000] && w2.close == [1.5, 1.8])
        #expect(throws: ExchangeError.self) {
            try BinanceConnector.closedCandles(Array("[[1,2]]".utf8), symbol: "X", timeframe: .m1, serverTime: 0, from: 0, through: 1)
        }
    }

    /// `--feed binance`: the feed stores closed candles and serves them from the store; the
    /// forming candle stays absent until it closes, so the scheduler waits and retries.
    @Test func exchangeFeedStoresOnlyClosedCandles() async throws {
        let h = try await SimHarness.start()
        defer { Task { await h.stop() } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try PlatformDatabase(path: dir.appendingPathComponent("t.sqlite").path)
        let feed = ExchangeFeed(connector: try #require(h.connectors.connector(.binanceSpot)), db: db)
        let forming = Timeframe.m1.floor(h.sim.now())
        let closed = try await feed.candles(symbol: "BTCUSDT", timeframe: .m1, from: forming - 5 * 60_000, through: forming - 60_000)
        #expect(closed.count == 5 && closed.times.last == forming - 60_000)
        #expect(try db.candles(symbol: "BTCUSDT", timeframe: .m1, from: 0, through: .max).count == 5)
        let notYet = try await feed.candles(symbol: "BTCUSDT", timeframe: .m1, from: forming - 60_000, through: forming)
        #expect(notYet.times == [forming - 60_000])
    }
}
