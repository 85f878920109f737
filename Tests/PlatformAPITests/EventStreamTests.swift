import Foundation
import Hummingbird
import Platform
@testable import PlatformAPI
import Testing

/// Open event streams are cheap and bounded (issue 12, finding 6): one shared poller per process,
/// whatever the number of streams, and a cap per user and in all.
@Suite("API: event streams")
struct EventStreamTests {
    static func options(perUser: Int = 4, total: Int = 256) -> APIOptions {
        var o = APIOptions()
        o.bcryptCost = 4
        o.authRequestsPerMinute = 1_000
        o.streamPoll = .milliseconds(50)
        o.streamsPerUser = perUser
        o.streamsTotal = total
        return o
    }

    @Test("12 open streams cost one database poll per poll interval, not one each; each still gets its user's events")
    func onePollerForAllStreams() async throws {
        let h = try await APIHarness(options: Self.options())
        try await h.run { c in
            let (_, author) = try await c.register("author@example.com")
            let created = try await c.call(.post, PlatformAPI.strategies, token: author,
                                           json: ["name": "tv", "kind": "webhook", "symbols": ["BTCUSDT"], "timeframe": "1m"])
            let strategy = try #require((created["id"] as? NSNumber)?.int64Value)
            let hook = try #require(created["webhookToken"] as? String)
            var tokens: [String] = []
            for i in 0..<3 {
                let (_, t) = try await c.register("watcher\(i)@example.com")
                tokens.append(t)
            }
            _ = try await c.subscribe(tokens[0], strategy: strategy)
            let start = ContinuousClock.now
            let replies = try await withThrowingTaskGroup(of: (Int, APIHarness.Client.Reply).self) { group in
                for (u, token) in tokens.enumerated() {
                    for _ in 0..<4 { group.addTask { (u, try await c.call(.get, "/api/stream?seconds=2", token: token)) } }
                }
                group.addTask {
                    // Once the streams are open (the hub has started every one of them).
                    for _ in 0..<100 where h.api.hub.openStreams < 12 { try await Task.sleep(for: .milliseconds(20)) }
                    try await Task.sleep(for: .milliseconds(200))
                    return (-1, try await c.call(.post, "/webhooks/\(hook)", json: ["action": "buy", "symbol": "BTCUSDT", "price": 100]))
                }
                var all: [(Int, APIHarness.Client.Reply)] = []
                for try await r in group { all.append(r) }
                return all
            }
            let elapsed = ContinuousClock.now - start
            let streams = replies.filter { $0.0 >= 0 }
            #expect(streams.count == 12)
            #expect(streams.allSatisfy { $0.1.status == 200 })
            let follower = streams.filter { $0.0 == 0 }.map(\.1.text)
            let others = streams.filter { $0.0 > 0 }.map(\.1.text)
            #expect(follower.allSatisfy { $0.contains("event: signal") && $0.contains("event: fill") }, "\(follower)")
            #expect(others.allSatisfy { !$0.contains("event:") })
            let polls = h.api.hub.polls
            let intervals = Int(elapsed / .milliseconds(50)) + 2
            #expect(polls <= intervals, "\(polls) polls in \(elapsed) for 12 streams: more than one per 50 ms interval")
            #expect(polls >= 5, "the hub polled \(polls) times")
            #expect(h.api.hub.openStreams == 0, "every stream's place is freed when it ends")
        }
    }

    @Test("past the total cap every user's next stream gets 429, and a closed stream frees its place")
    func totalCap() async throws {
        let h = try await APIHarness(options: Self.options(perUser: 4, total: 3))
        try await h.run { c in
            let (_, a) = try await c.register("a@example.com")
            let (_, b) = try await c.register("b@example.com")
            async let s1 = c.call(.get, "/api/stream?seconds=2", token: a)
            async let s2 = c.call(.get, "/api/stream?seconds=2", token: a)
            async let s3 = c.call(.get, "/api/stream?seconds=2", token: a)
            for _ in 0..<100 where h.api.hub.openStreams < 3 { try await Task.sleep(for: .milliseconds(20)) }
            let refused = try await c.call(.get, "/api/stream?seconds=1", token: b)
            #expect(refused.status == 429)
            #expect(refused["code"] as? String == "too-many-streams")
            #expect((refused["detail"] as? String)?.contains("server") == true)
            #expect(try await [s1, s2, s3].allSatisfy { $0.status == 200 })
            #expect(try await c.call(.get, "/api/stream?seconds=1", token: b).status == 200)
        }
    }
}
