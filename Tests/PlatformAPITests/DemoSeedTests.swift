import Foundation
import Logging
import Platform
@testable import PlatformAPI
import StrategyRuntime
import Testing

/// A first run shows something: the demo account, the example strategies (loaded in sandbox
/// workers), subscriptions and their recent candles already run.
@Suite("Demo seed", .serialized)
struct DemoSeedTests {
    @Test("an empty database gets the demo account, the example strategies, subscriptions and their orders; a second run adds nothing")
    func seedsOnce() async throws {
        let harness = try await APIHarness()
        let root = try #require(HostConfiguration.projectRoot, "python/ not found")
        let seed = DemoSeed(api: harness.api, host: harness.host, coordinator: try Coordinator(db: harness.db, host: harness.host),
                            candles: SyntheticFeed(seed: 3, clock: .real), clock: .real, logger: Logger(label: "test"))
        #expect(try await seed.seedIfEmpty(strategies: root + "/python/strategies", backfill: 120))
        let demo = try #require(try harness.db.login(email: DemoSeed.email)?.user)
        let strategies = try harness.db.strategyPage(limit: 10, offset: 0, ownerID: demo.id)
        #expect(Set(strategies.items.map(\.name)) == Set(DemoSeed.examples.map(\.name)))
        #expect(strategies.items.allSatisfy { $0.version.spec.isolation == .process && $0.activeSubscribers == 1 })
        let subscriptions = try harness.db.subscriptions(userID: demo.id)
        #expect(subscriptions.count == DemoSeed.examples.count && subscriptions.allSatisfy { $0.status == .active })
        for s in strategies.items {
            let runs = try harness.db.executions(ownerID: demo.id, strategyID: s.id, limit: 200, offset: 0)
            #expect(runs.total >= 100, "\(s.name) ran \(runs.total) candles")
            #expect(runs.items.allSatisfy { $0.status == "ok" }, "\(s.name): \(runs.items.first { $0.status != "ok" }?.errorMessage ?? "")")
        }
        #expect(try harness.db.orderCount(userID: demo.id) > 0, "the backfill traded")
        #expect(try await !seed.seedIfEmpty(strategies: root + "/python/strategies", backfill: 120))
        #expect(try harness.db.strategyPage(limit: 10, offset: 0).total == DemoSeed.examples.count)
        try? FileManager.default.removeItem(atPath: harness.dir)
    }
}
