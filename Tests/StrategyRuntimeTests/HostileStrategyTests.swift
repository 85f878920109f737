import Foundation
import StrategyRuntime
import Testing

extension RuntimeTests {
    @Suite struct HostileStrategyTests {
        // MARK: runaway CPU

        @Test func infiniteLoopTimesOut() async throws {
            let e = await Fixture.error("infinite_loop")
            #expect(e?.code == .timeout)
            try await Fixture.expectHealthy()
        }

        @Test func sleepIsInterruptedInTheMainInterpreter() async throws {
            let e = await Fixture.error("sleep_forever")
            #expect(e?.code == .timeout)
            try await Fixture.expectHealthy()
        }

        @Test func swallowedTimeoutStillFailsTheCall() async throws {
            let e = await Fixture.error("swallow_timeout")
            #expect(e?.code == .timeout || e?.code == .quarantined)
            try await Fixture.expectHealthy()
        }

        @Test func infiniteRecursionIsAnException() async throws {
            let e = await Fixture.error("recursion")
            #expect(e?.code == .exception)
            #expect(e?.message.contains("RecursionError") == true)
            try await Fixture.expectHealthy()
        }

        @Test func cLevelLoopIsQuarantinedAndTheInterpreterRecovers() async throws {
            let host = try await Fixture.host()
            let stuck = try await host.load(try Fixture.source("c_level_loop"), isolation: .subinterpreter, limits: Fixture.tightLimits)
            let frame = try host.frame(Fixture.window())
            let e = await #expect(throws: StrategyError.self) { try await host.run(stuck, on: frame) }
            #expect(e?.code == .quarantined)
            #expect(e?.message.contains("process") == true)
            #expect(stuck.quarantineReason != nil)
            let again = await #expect(throws: StrategyError.self) { try await host.run(stuck, on: frame) }
            #expect(again?.code == .quarantined)
            // The host stays up: the main interpreter answers once the C call gives the GIL back.
            try await Fixture.expectHealthy()
        }

        // MARK: memory

        @Test(arguments: ["memory_bytearray", "memory_list", "memory_growth", "memory_numpy", "memory_caught"])
        func memoryBombsHitTheBudget(fixture: String) async throws {
            // A generous clock, so that the budget (not the timeout) stops even a slow debug build.
            var limits = Fixture.tightLimits
            limits.timeout = .seconds(10)
            limits.memoryBytes = 128 << 20
            let e = await Fixture.error(fixture, limits: limits)
            #expect(e?.code == .memory)
            try await Fixture.expectHealthy()
        }

        @Test func hugeStateIsRefused() async throws {
            let e = await Fixture.error("state_huge")
            #expect(e?.code == .stateTooLarge)
        }

        @Test func unserialisableStateIsRefused() async throws {
            let e = await Fixture.error("state_unserialisable")
            #expect(e?.code == .invalidState)
        }

        // MARK: escapes

        @Test(arguments: [
            ("escape_os_system", "/tmp/tradectl-escape-os-system"), ("escape_subprocess", "/tmp/tradectl-escape-subprocess"),
            ("escape_fork_exec", "/tmp/tradectl-escape-fork-exec"), ("escape_write_file", "/tmp/tradectl-escape-write"),
            ("escape_caught", "/tmp/tradectl-escape-caught"),
        ])
        func escapesAreRefusedAndWriteNothing(fixture: String, marker: String) async throws {
            try? FileManager.default.removeItem(atPath: marker)
            let e = await Fixture.error(fixture)
            #expect(e?.code == .sandbox)
            try await Task.sleep(for: .milliseconds(50))
            #expect(!FileManager.default.fileExists(atPath: marker))
            try await Fixture.expectHealthy()
        }

        @Test(arguments: ["escape_read_shadow", "escape_read_environ", "escape_socket", "escape_ctypes", "threads"])
        func forbiddenAccessIsASandboxError(fixture: String) async throws {
            let e = await Fixture.error(fixture)
            #expect(e?.code == .sandbox)
            try await Fixture.expectHealthy()
        }

        // MARK: exit and errors

        @Test func sysExitIsAnException() async throws {
            let e = await Fixture.error("sys_exit")
            #expect(e?.code == .exception)
            #expect(e?.message.contains("sys.exit") == true)
            try await Fixture.expectHealthy()
        }

        @Test func osExitIsRefused() async throws {
            let e = await Fixture.error("os_exit")
            #expect(e?.code == .sandbox)
            try await Fixture.expectHealthy()
        }

        @Test func raisingCarriesTheTraceback() async throws {
            let e = await Fixture.error("raises")
            #expect(e?.code == .exception)
            #expect(e?.message.contains("boom from the strategy") == true)
            #expect(e?.traceback?.contains("<strategy raises@1>") == true)
        }

        // MARK: other

        @Test(arguments: ["monkeypatch_pandas", "monkeypatch_module"])
        func monkeypatchingSharedCodeIsRefused(fixture: String) async throws {
            let e = await Fixture.error(fixture)
            #expect(e?.code == .sandbox)
            let out = try await Fixture.run("frame_probe")  // pandas still works for the next strategy
            #expect(out.stdout.contains("\"rows\": 120"))
        }
    }
}
