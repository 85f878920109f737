import StrategyRuntime
import Testing

extension RuntimeTests {
    @Suite struct SubinterpreterTests {
        @Test func pureStrategyRunsOnTuples() async throws {
            let w = Fixture.window()
            let out = try await Fixture.run("pure_sqrt", isolation: .subinterpreter, window: w)
            #expect(out.signals.first?.entryPrice == w.close.last)
        }

        @Test func numpyImportNamesSharedLevel() async {
            let e = await Fixture.error("sub_numpy", isolation: .subinterpreter)
            #expect(e?.code == .load)
            #expect(e?.message.contains("'shared'") == true)
        }

        @Test func monkeypatchStaysInsideItsInterpreter() async throws {
            let host = try await Fixture.host()
            let frame = try host.frame(Fixture.window())
            let patcher = try await host.load(try Fixture.source("monkeypatch_sub"), isolation: .subinterpreter)
            let e = await #expect(throws: StrategyError.self) { try await host.run(patcher, on: frame) }
            #expect(e?.code == .sandbox)
            let other = try await host.load(try Fixture.source("pure_sqrt"), isolation: .subinterpreter)
            let out = try await host.run(other, on: frame)
            #expect(out.signals.first?.entryPrice == frame.window.close.last)
        }

        @Test func momentumExampleKeepsState() async throws {
            let host = try await Fixture.host()
            let s = try await host.load(try StrategySource(file: "\(Fixture.repoRoot)/python/strategies/momentum.py"),
                                        isolation: .subinterpreter)
            let w = SyntheticCandles(volatility: 0.01, seed: 3).generate(300)
            var ctx = StrategyCallContext(paramsJSON: #"{"lookback": 5, "threshold": 0.001}"#)
            var actions: [Signal.Action] = []
            for end in 20..<w.count {
                let out = try await host.run(s, on: try host.frame(w.window(endingAt: end, lookback: 50)), context: ctx)
                ctx.stateJSON = out.stateJSON
                actions += out.signals.map(\.action)
            }
            #expect(!actions.isEmpty)
            // The state remembers the last action, so the strategy never repeats itself.
            #expect(zip(actions, actions.dropFirst()).allSatisfy { $0 != $1 })
        }
    }
}
