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
        /// StrategyTimeout (a BaseException or an Exception) or StateProblem is an `exception`, not
        /// a timeout or a state error, in the main interpreter and in a sub-interpreter alike.
        @Test(arguments: [IsolationLevel.shared, .subinterpreter], ["base", "exception", "state"])
        func aStrategyCannotPassItsOwnClassesForTheHosts(isolation: IsolationLevel, which: String) async throws {
            let context = StrategyCallContext(paramsJSON: #"{"which": "\#(which)"}"#)
            let e = await Fixture.error("fake_timeout", isolation: isolation, context: context)
            #expect(e?.code == .exception, "\(e.map { "\($0)" } ?? "no error")")
            #expect(e?.message.contains(which == "state" ? "StateProblem" : "StrategyTimeout") == true)
        }
    }
}
