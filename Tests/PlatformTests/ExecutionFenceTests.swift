import Foundation
import Platform
import Synchronization
import TestSupport
import Testing

/// The execution fence, the same test bodies on SQLite and on PostgreSQL.
@Suite(.postgresServer) struct ExecutionFenceTests {
    static let minute: Int64 = 60_000
    static let start: Int64 = 1_704_067_200_000

    func key(_ versionID: Int64, _ n: Int64) -> ExecutionKey {
        ExecutionKey(versionID: versionID, symbol: "BTCUSDT", timeframe: "1m", candleTime: Self.start + n * Self.minute)
    }

    @Test(arguments: StorageBackend.allCases)
    func racingClaimsForOneKeyLetExactlyOneWin(backend: StorageBackend) async throws {
        let f = try await FenceFixture.make(backend)
        let keys = (0..<6).map { key(f.versionIDs[0], $0) }
        let racers = 12
        // Every racer claims every key, half through each "process", all at once.
        let wins = try await withThrowingTaskGroup(of: (ExecutionKey, Int64?).self) { group in
            for k in keys {
                for racer in 0..<racers {
                    let fence = f.fences[racer % f.fences.count]
                    group.addTask { (k, try await fence.claim(k, status: "ok", worker: "racer-\(racer)")) }
                }
            }
            var wins: [ExecutionKey: [Int64]] = [:]
            for try await (k, id) in group { if let id { wins[k, default: []].append(id) } }
            return wins
        }
        for k in keys { #expect(wins[k]?.count == 1, "\(backend): \(k) won \(wins[k]?.count ?? 0) times") }
        #expect(Set(wins.values.flatMap { $0 }).count == keys.count)
        let summary = try await f.fence.executionSummary()
        #expect(summary.map(\.key) == keys)
        #expect(summary.allSatisfy { $0.count == 1 && $0.status == "ok" })
        #expect(try await f.fences[1].countsByStatus() == ["ok": keys.count])
        #expect(try await f.fence.executionsByWorker().values.reduce(0, +) == keys.count)
        await f.tearDown()
    }

    @Test(arguments: StorageBackend.allCases)
    func skippedKeysAreFencedAndCountedLikeExecutedOnes(backend: StorageBackend) async throws {
        let f = try await FenceFixture.make(backend)
        let v = f.versionIDs[0]
        #expect(try await f.fence.recordSkipped([], worker: "w", reason: "stale") == [])
        #expect(try await f.fence.recordSkipped([key(v, 0), key(v, 1)], worker: "w", reason: "stale") == [true, true])
        #expect(try await f.fence.claim(key(v, 1), status: "ok", worker: "w") == nil)
        #expect(try await f.fences[1].recordSkipped([key(v, 1), key(v, 2)], worker: "w2", reason: "stale") == [false, true])
        #expect(try await f.fence.claim(key(v, 3), status: "ok", worker: "w") != nil)
        // The same candle of another version is another key.
        #expect(try await f.fence.claim(key(f.versionIDs[1], 3), status: "error", worker: "w") != nil)

        #expect(try await f.fence.isExecuted(key(v, 2)))
        #expect(try await !f.fence.isExecuted(key(v, 4)))
        #expect(try await f.fence.lastExecutedCandle(versionID: v, symbol: "BTCUSDT") == key(v, 3).candleTime)
        #expect(try await f.fence.lastExecutedCandle(versionID: v, symbol: "ETHUSDT") == nil)
        #expect(try await f.fence.executionsByWorker() == ["w": 4, "w2": 1])
        #expect(try await f.fence.countsByStatus() == ["skipped": 3, "ok": 1, "error": 1])
        #expect(try await f.fence.executionSummary().map(\.status) == ["skipped", "skipped", "skipped", "ok", "error"])
        await f.tearDown()
    }

    @Test(arguments: StorageBackend.allCases)
    func aClaimForAVersionThatDoesNotExistIsRefusedByTheForeignKey(backend: StorageBackend) async throws {
        let f = try await FenceFixture.make(backend)
        await #expect {
            _ = try await f.fence.claim(key(999_999, 0), status: "ok", worker: "w")
        } throws: { ($0 as? PlatformError)?.code == .storage }
        #expect(try await f.fence.executionSummary().isEmpty)
        #expect(try await f.fence.countsByStatus().isEmpty)
        await f.tearDown()
    }
}

/// The pool outlives its server: after PostgreSQL restarts, the next call reconnects and the
/// fence still holds (a suite of its own, as it restarts the server under the test).
@Suite(.postgresServer) struct PostgresRestartTests {
    @Test func afterARestartThePoolReconnectsAndTheFenceStillHolds() async throws {
        let f = try await FenceFixture.make(.postgres)
        let key = ExecutionKey(versionID: f.versionIDs[0], symbol: "BTCUSDT", timeframe: "1m", candleTime: 1_704_067_200_000)
        #expect(try await f.fence.claim(key, status: "ok", worker: "before") != nil)
        let server = try PostgresServerTrait.server()
        try await offPool { try server.restart() }
        // The pool's connections died with the server; the first calls may see that before it
        // reconnects, as a typed storage error.
        var claimed: Int64?? = nil
        for _ in 0..<50 where claimed == nil {
            do {
                claimed = .some(try await f.fence.claim(key, status: "ok", worker: "after"))
            } catch {
                #expect(error.code == .storage)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(claimed == .some(nil), "the key claimed before the restart must stay claimed")
        #expect(try await f.fence.executionsByWorker() == ["before": 1])
        await f.tearDown()
    }
}
