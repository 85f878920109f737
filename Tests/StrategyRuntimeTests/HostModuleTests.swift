import Foundation
@testable import StrategyRuntime
import Testing

extension RuntimeTests {
    /// The host's Python side lives in python/tradectl_host.py (covered by pytest) and is
    /// embedded by scripts/embed-host.sh: the two must not drift.
    @Suite struct HostModuleTests {
        @Test func theEmbeddedHostModuleIsPythonTradectlHost() throws {
            let file = try String(contentsOfFile: Fixture.repoRoot + "/python/tradectl_host.py", encoding: .utf8)
            #expect(hostSupportSource + "\n" == file, "python/tradectl_host.py changed: run scripts/embed-host.sh")
        }

        /// A pandas whose internals changed would silently make frames about five times slower.
        @Test func capabilitiesReportTheFastFramePath() async throws {
            let host = try await Fixture.host()
            #expect(host.capabilities.pandas)
            #expect(host.capabilities.fastFrames, "\(host.capabilities.notes)")
        }

        /// Exceptions are classified by the identity of their class: a strategy's own
        /// StrategyTimeout or StateProblem is an `exception`, not a timeout or a state error.
        @Test func aStrategyCannotPassItsOwnClassesForTheHosts() async throws {
            let timeout = await Fixture.error("fake_timeout")
            #expect(timeout?.code == .exception, "\(timeout.map { "\($0)" } ?? "no error")")
            #expect(timeout?.message.contains("StrategyTimeout") == true)
            let state = await Fixture.error("fake_timeout", context: StrategyCallContext(paramsJSON: #"{"which": "state"}"#))
            #expect(state?.code == .exception, "\(state.map { "\($0)" } ?? "no error")")
        }
    }
}
