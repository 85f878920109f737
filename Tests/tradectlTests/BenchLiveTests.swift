import Foundation
import Testing

/// `tradectl bench live` end to end, small: the simulator process beside tradectl, 30
/// subscribers on one API key whose order budget (10 per second) makes the connector wait.
@Suite(.serialized) struct BenchLiveTests {
    @Test func everyOrderPlacedExactlyOnceWithout418s() async throws {
        let r = try await CLI.run(["bench", "live", "--subscribers", "30", "--keys", "1", "--orders-per-window", "10",
                                   "--order-window-ms", "1000", "--json"], limit: .seconds(120))
        #expect(r.status == 0, "\(r.stderr)\n\(r.stdout)")
        let json = try #require(r.json, "\(r.stdout)")
        #expect(json["exactly_once"] as? Bool == true)
        #expect(json["placed"] as? Int == 30 && json["accepted_by_exchange"] as? Int == 30 && json["reused_client_ids"] as? Int == 0)
        #expect(json["http_418"] as? Int == 0)
        #expect((json["overhead_p50_us"] as? Double ?? 0) > 0)
    }
}
