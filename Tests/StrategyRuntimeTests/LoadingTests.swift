import StrategyRuntime
import Testing

extension RuntimeTests {
    @Suite struct LoadingTests {
        @Test func syntaxErrorIsLoadErrorWithLine() async {
            let e = await Fixture.error("syntax_error")
            #expect(e?.code == .load)
            #expect(e?.line == 2 || e?.line == 3)
            #expect(e?.message.contains("SyntaxError") == true)
        }

        @Test func missingMainIsLoadError() async {
            let e = await Fixture.error("no_main")
            #expect(e?.code == .load)
            #expect(e?.message.contains("no main") == true)
        }

        @Test func wrongSignatureIsLoadError() async {
            let e = await Fixture.error("wrong_signature")
            #expect(e?.code == .load)
            #expect(e?.message.contains("main(data) or main(data, ctx)") == true)
        }

        @Test func seedFormAndContextFormBothLoad() async throws {
            let host = try await Fixture.host()
            let one = try await host.load(try Fixture.source("good_buy"))
            let two = try await host.load(try Fixture.source("ctx_echo"))
            #expect(one.takesContext == false)
            #expect(two.takesContext == true)
        }

        @Test func loadFromSourceText() async throws {
            let host = try await Fixture.host()
            let s = try await host.load(StrategySource(id: "inline", version: 3, code: "def main(data, ctx=None):\n    return None\n"))
            #expect(s.version == 3)
            #expect(s.takesContext)
        }

        @Test func sleepAtImportHitsTheLoadTimeout() async throws {
            let e = await Fixture.error("import_sleep")
            #expect(e?.code == .timeout)
            #expect(e?.message.contains("importing") == true)
            try await Fixture.expectHealthy()
        }

        @Test func processIsolationWithoutAWorkerExecutableIsUnsupported() async throws {
            var config = HostConfiguration.discovered
            config.workerExecutable = nil
            let host = try await StrategyHost(configuration: config)
            let e = await #expect(throws: StrategyError.self) { try await host.load(try Fixture.source("good_buy"), isolation: .process) }
            #expect(e?.code == .unsupported)
        }
    }
}
