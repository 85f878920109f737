import Foundation
import Platform
import StrategyRuntime
import Testing

extension PlatformTests {
    @Suite struct SchedulerTests {
        static let t0: Int64 = 1_704_067_200_000  // a Monday, 00:00 UTC

        @Test func dueCandlesRespectTheGraceDelayAndAlignment() {
            // At 00:10:00.500 with 1 s grace, the 00:08 candle is the newest due; with no grace, 00:09.
            let now = Self.t0 + 10 * 60_000 + 500
            #expect(CandleSchedule.newestDue(.m1, now: now, grace: 1_000) == Self.t0 + 8 * 60_000)
            #expect(CandleSchedule.newestDue(.m1, now: now, grace: 0) == Self.t0 + 9 * 60_000)
            #expect(CandleSchedule.newestDue(.h4, now: Self.t0 + 5 * 3_600_000, grace: 0) == Self.t0)
            // Weekly candles open on Mondays.
            #expect(Timeframe.w1.floor(Self.t0 + 3 * 86_400_000) == Self.t0)
        }

        static func worker(_ db: PlatformDatabase, host: StrategyHost, source: any CandleSource, clock: VirtualClock,
                           runFor: Int64) throws -> Worker {
            var settings = Worker.Settings()
            settings.until = clock.now() + runFor
            settings.tick = .milliseconds(5)
            return Worker(coordinator: try Coordinator(db: db, host: host), source: source, clock: clock, settings: settings)
        }

        @Test func afterDowntimeOnlyTheNewestCandleRunsAndTheRestAreSkipped() async throws {
            let (db, host, loaded, _) = try await PlatformFixture.platform(strategy: "counter", subscribers: 2)
            // Time stands still at 00:10:30: candles 00:00 … 00:09 have closed.
            let clock = VirtualClock(virtualStart: Self.t0 + 10 * 60_000 + 30_000, wallStart: VirtualClock.wallNow(), speed: 0.001)
            let feed = SyntheticFeed(seed: 3, clock: clock)
            // The last run before the downtime executed 00:02.
            let before = try await feed.candles(symbol: "BTCUSDT", timeframe: .m1, from: Self.t0 - 9 * 60_000, through: Self.t0 + 2 * 60_000)
            _ = try await try Coordinator(db: db, host: host).execute(loaded, frame: try host.frame(before))
            _ = try await Self.worker(db, host: host, source: feed, clock: clock, runFor: 1).run()
            let rows = try db.executionSummary()
            let status = Dictionary(uniqueKeysWithValues: rows.map { ($0.candleTime, $0.status) })
            #expect(status[Self.t0 + 2 * 60_000] == "ok")
            for m in 3...8 { #expect(status[Self.t0 + Int64(m) * 60_000] == "skipped", "00:0\(m)") }
            #expect(status[Self.t0 + 9 * 60_000] == "ok")
            #expect(rows.allSatisfy { $0.count == 1 })
        }

        @Test func aCandleNotYetPublishedIsWaitedForNotSkipped() async throws {
            let (db, host, _, _) = try await PlatformFixture.platform(strategy: "counter", subscribers: 1)
            let clock = VirtualClock(virtualStart: Self.t0 + 30 * 60_000 + 10_000, wallStart: VirtualClock.wallNow(), speed: 0.001)
            let all = try await SyntheticFeed(seed: 4, clock: clock).candles(symbol: "BTCUSDT", timeframe: .m1,
                                                                             from: Self.t0, through: Self.t0 + 29 * 60_000)
            // The store has every candle but the newest (00:29) yet.
            _ = try db.importCandles(all.slice(0..<(all.count - 1)))
            _ = try await Self.worker(db, host: host, source: StoreSource(db: db), clock: clock, runFor: 1).run()
            #expect(try db.executionSummary().isEmpty)
            _ = try db.importCandles(all.slice((all.count - 1)..<all.count))
            _ = try await Self.worker(db, host: host, source: StoreSource(db: db), clock: clock, runFor: 1).run()
            let rows = try db.executionSummary()
            #expect(rows.map(\.candleTime) == [Self.t0 + 29 * 60_000])
            #expect(rows.first?.status == "ok")
        }
    }
}
