import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

/// A strategy the scheduler paused shows why to its author, stays out of the registry, and runs
/// again once its author resumes it or uploads a new version.
@Suite("API: paused strategies")
struct PausedStrategyTests {
    @Test("the owner sees the pause reason, others only that it is paused; resume and a new version lift it")
    func pauseIsVisibleAndLifted() async throws {
        let h = try await APIHarness()
        try await h.run { c in
            let (_, owner) = try await c.register("owner@example.com")
            let (_, other) = try await c.register("other@example.com")
            let id = try await c.upload(owner, name: "slow")
            _ = try await c.subscribe(other, strategy: id)
            #expect(try h.db.activeVersions().map(\.strategyID) == [id])
            #expect(try h.db.pauseStrategy(strategyID: id, reason: "paused by the scheduler: over its time budget"))
            #expect(try h.db.pauseStrategy(strategyID: id, reason: "a second reason") == false, "the first reason stays")
            #expect(try h.db.activeVersions().isEmpty)

            let mine = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)", token: owner)
            #expect(mine["paused"] as? Bool == true)
            #expect(mine["pausedReason"] as? String == "paused by the scheduler: over its time budget")
            #expect(mine["pausedAt"] != nil)
            let theirs = try await c.call(.get, "\(PlatformAPI.strategies)/\(id)", token: other)
            #expect(theirs["paused"] as? Bool == true)
            #expect(theirs["pausedReason"] == nil)

            #expect(try await c.call(.post, "\(PlatformAPI.strategies)/\(id)/resume", token: other).status == 403)
            let resumed = try await c.call(.post, "\(PlatformAPI.strategies)/\(id)/resume", token: owner)
            #expect(resumed.status == 200)
            #expect(resumed["paused"] as? Bool == false)
            #expect(try h.db.activeVersions().map(\.strategyID) == [id])

            #expect(try h.db.pauseStrategy(strategyID: id, reason: "paused again"))
            let updated = try await c.call(.put, "\(PlatformAPI.strategies)/\(id)", token: owner,
                                           json: ["source": APIHarness.momentum + "\n# faster\n"])
            #expect(updated.status == 200)
            #expect(updated["paused"] as? Bool == false, "a new version lifts the pause")
            #expect(updated["version"] as? Int == 2)
        }
    }
}
