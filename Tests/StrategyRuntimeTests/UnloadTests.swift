import Foundation
import StrategyRuntime
import Testing

extension RuntimeTests {
    /// Unloading a sub-interpreter strategy ends its interpreter: later calls fail, others go on.
    /// (`tradectl bench unload`, run by CLITests, shows threads and RSS return after 100 of them.)
    @Suite struct UnloadTests {
        @Test func anUnloadedStrategyIsNeverCalledAgainAndOthersCarryOn() async throws {
            let host = try await Fixture.host()
            let frame = try host.frame(Fixture.window(30))
            let code = "def main(data):\n    return {'action': 'BUY'}\n"
            let a = try await host.load(StrategySource(id: "sub-a", code: code), isolation: .subinterpreter)
            let b = try await host.load(StrategySource(id: "sub-b", code: code), isolation: .subinterpreter)
            #expect(try await host.run(a, on: frame).signals.first?.action == .buy)
            await host.unload(a)
            await host.unload(a)  // twice is harmless
            let e = await #expect(throws: StrategyError.self) { _ = try await host.run(a, on: frame) }
            #expect(e?.code == .quarantined || e?.code == .unavailable)
            #expect(try await host.run(b, on: frame).signals.first?.action == .buy)
            #expect(try await host.run(try await host.load(try Fixture.source("good_buy")), on: frame).signals.count == 1)
        }
    }
}
