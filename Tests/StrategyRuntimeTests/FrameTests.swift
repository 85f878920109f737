import Foundation
import StrategyRuntime
import Testing

extension RuntimeTests {
    @Suite struct FrameTests {
        func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        @Test func frameHasContractColumnsAndUTCIndex() async throws {
            let w = Fixture.window(50)
            let out = try await Fixture.run("frame_probe", window: w)
            let o = try json(out.stdout)
            #expect(o["columns"] as? [String] == ["open", "high", "low", "close", "volume", "symbol"])
            #expect(o["rows"] as? Int == 50)
            #expect(o["tz"] as? String == "UTC")
            #expect(o["last_close"] as? Double == w.close.last)
            #expect(o["symbol"] as? String == "BTCUSDT")
            #expect(o["last_time"] as? String == CandleCSV.isoString(w.times.last!).replacingOccurrences(of: "Z", with: "+00:00"))
        }

        @Test func mutationByOneStrategyIsInvisibleToTheNext() async throws {
            let host = try await Fixture.host()
            let w = Fixture.window(60)
            let frame = try host.frame(w)
            let mutator = try await host.load(try Fixture.source("mutate_input"), limits: Fixture.tightLimits)
            let probe = try await host.load(try Fixture.source("frame_probe"), limits: Fixture.tightLimits)
            _ = try await host.run(mutator, on: frame)
            let o = try json(try await host.run(probe, on: frame).stdout)
            #expect(o["columns"] as? [String] == ["open", "high", "low", "close", "volume", "symbol"])
            #expect(o["last_close"] as? Double == w.close.last)
            #expect(o["rows"] as? Int == 60)
            #expect(o["symbols"] as? [String] == [w.symbol])
            #expect(o["index_name"] is NSNull)
            #expect(o["columns_name"] is NSNull)
            #expect((o["attrs"] as? [String: Any])?.isEmpty == true)
            #expect(o["freq"] as? String == "None")
            #expect(o["monotonic"] as? Bool == true)
            let again = try await host.run(mutator, on: frame)  // and the mutator itself sees a fresh frame
            #expect(again.signals.isEmpty)
        }

        @Test func contextCarriesFieldsAndStateRoundTrips() async throws {
            let host = try await Fixture.host()
            let w = Fixture.window(30)
            let s = try await host.load(try Fixture.source("ctx_echo"))
            var ctx = StrategyCallContext(paramsJSON: #"{"fast": 5}"#)
            let first = try await host.run(s, on: try host.frame(w), context: ctx)
            ctx.stateJSON = first.stateJSON
            let second = try await host.run(s, on: try host.frame(w), context: ctx)
            let o = try json(second.stdout)
            #expect(o["symbol"] as? String == "BTCUSDT")
            #expect(o["timeframe"] as? String == "5m")
            #expect(o["tz"] as? String == "UTC")
            #expect((o["params"] as? [String: Any])?["fast"] as? Int == 5)
            #expect(o["calls"] as? Int == 2)
            #expect(second.stateJSON == #"{"calls":2}"#)
        }

        @Test func outputIsCappedAndMarkedTruncated() async throws {
            var limits = Fixture.tightLimits
            limits.outputBytes = 1000
            limits.timeout = .seconds(5)  // 100,000 prints: over 0.3 s when the whole suite runs alongside
            let out = try await Fixture.run("noisy", limits: limits)
            #expect(out.stdout.count == 1000)
            #expect(out.outputTruncated)
        }
    }
}
