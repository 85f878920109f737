@testable import StrategyRuntime
import Testing

@Suite struct WireFormatTests {
    static func body(_ framed: [UInt8]) -> [UInt8] { Array(framed.dropFirst(4)) }

    @Test func requestsAndRepliesRoundTrip() throws {
        let w = SyntheticCandles(seed: 1).generate(5)
        let context = StrategyCallContext(paramsJSON: #"{"a":1}"#, stateJSON: "{}", accountJSON: #"{"market":"spot"}"#, rulesJSON: nil)
        let run = WorkerRequest.run(handle: 7, frameID: 1 << 40, candles: .full(w), context: context)
        #expect(try WorkerRequest.decode(Self.body(run.encode())) == run)
        let slid = WorkerRequest.run(handle: 7, frameID: 4, candles: .slid(base: 3, tail: w.suffix(1)), context: context)
        #expect(try WorkerRequest.decode(Self.body(slid.encode())) == slid)
        let byID = WorkerRequest.run(handle: 7, frameID: 3, candles: .held, context: context)
        #expect(try WorkerRequest.decode(Self.body(byID.encode())) == byID)
        #expect(byID.encode().count < 64)  // a frame the worker holds is named, not sent
        #expect(try WorkerResponse.decode(Self.body(WorkerResponse.frameMissing(3).encode()), limits: StrategyLimits()) == .frameMissing(3))
        let outcome = WorkerResponse.outcome(StrategyOutcome(
            signals: [Signal(action: .buy, entryPrice: 10, stopLoss: 9, takeProfit: nil, symbol: "X")],
            intents: [.place(.limit(.buy, .quote(50), at: 9.5, tag: "g1")), .place(.stop(.sell, .quantity(2), at: 9, tag: "sl", reduceOnly: true)),
                      .place(.market(.sell, .quantity(1), tag: "m")), .cancel(tag: "g0"), .cancelAll],
            stateJSON: #"{"n":1}"#, stdout: "hi", stderr: "", outputTruncated: false, strategyNanos: 42))
        #expect(try WorkerResponse.decode(Self.body(outcome.encode()), limits: StrategyLimits()) == outcome)
        var e = StrategyError(.timeout, "slow")
        e.line = 3
        let failure = WorkerResponse.failure(e)
        #expect(try WorkerResponse.decode(Self.body(failure.encode()), limits: StrategyLimits()) == failure)
        // A parallel backtest's block: many windows in one request, their results in one reply.
        let block = WorkerRequest.runWindows(handle: 2, candles: w, firstEnd: 2, lookback: 3, context: context)
        #expect(try WorkerRequest.decode(Self.body(block.encode())) == block)
        let outcomes = WorkerResponse.outcomes([outcome, failure, outcome])
        #expect(try WorkerResponse.decode(Self.body(outcomes.encode()), limits: StrategyLimits()) == outcomes)
    }

    @Test(arguments: [
        [UInt8](),                                  // empty
        [99],                                       // unknown kind
        [102, 255, 255, 255, 255],                  // 4 billion signals
        [102, 1, 0, 0, 0, 3, 0, 0, 0, 66, 85, 89],  // a signal cut short
        [200, 5, 0, 0, 0, 104, 101, 108, 108, 111], // an unknown error code
        [101, 1, 0],                                // a load reply cut short
        [103, 1, 0, 0],                             // a frame id cut short
        [102, 0, 0, 0, 0, 1, 0, 0, 0, 9],           // an unknown intent kind
        [102, 0, 0, 0, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 97, 32, 98], // a cancel whose tag has a space
        [104, 255, 255, 255, 255],                  // 4 billion outcomes
        [104, 1, 0, 0, 0, 9, 0, 0, 0, 103, 1, 0, 0, 0, 0, 0, 0, 0], // an outcomes reply holding a frameMissing
        [104, 2, 0, 0, 0, 1, 0, 0, 0, 99],          // an outcome of an unknown kind, the second missing
    ])
    func malformedRepliesAreTypedErrors(bytes: [UInt8]) {
        #expect(throws: Wire.Malformed.self) { _ = try WorkerResponse.decode(bytes, limits: StrategyLimits()) }
    }

    /// A window that continues a held one is sent as its newest candles, and the worker rebuilds
    /// exactly that window; anything else (a revised candle, another length or symbol, a jump past
    /// the limit, an older window) is sent whole.
    @Test func aSlidingWindowIsSentAsItsNewestCandles() {
        let series = SyntheticCandles(seed: 3).generate(100)
        var held = FrameCache<CandleWindow>()
        held.insert(1, series.window(endingAt: 40, lookback: 30))
        held.insert(2, series.window(endingAt: 60, lookback: 30))
        for (end, base, shift) in [(41, 1, 1), (43, 1, 3), (61, 2, 1), (76, 2, 16)] {
            let next = series.window(endingAt: end, lookback: 30)
            #expect(WindowPayload.sliding(to: next, from: held) == .slid(base: UInt64(base), tail: next.suffix(shift)), "\(end)")
            #expect(held[UInt64(base)]?.sliding(by: next.suffix(shift)) == next)
        }
        let next = series.window(endingAt: 41, lookback: 30), context = StrategyCallContext()
        let whole = WorkerRequest.run(handle: 1, frameID: 3, candles: .full(next), context: context).encode().count
        let slid = WorkerRequest.run(handle: 1, frameID: 3, candles: WindowPayload.sliding(to: next, from: held), context: context).encode().count
        #expect(whole > 1_400 && slid < 160, "\(whole) bytes whole, \(slid) slid")
        var revised = series.window(endingAt: 41, lookback: 30)
        revised.high[10] += 1
        var renamed = series.window(endingAt: 41, lookback: 30)
        renamed.symbol = "ETHUSDT"
        for other in [revised, renamed, series.window(endingAt: 41, lookback: 31), series.window(endingAt: 77, lookback: 30),
                      series.window(endingAt: 39, lookback: 30), series.window(endingAt: 60, lookback: 30)] {
            #expect(WindowPayload.sliding(to: other, from: held) == .full(other))
        }
        let base = series.window(endingAt: 40, lookback: 30)
        #expect(base.sliding(by: base) == nil)  // a tail as long as the window
        #expect(base.sliding(by: base.suffix(0)) == nil)
    }

    @Test func theFrameCacheKeepsTheNewestFramesFirstInFirstOut() {
        var cache = FrameCache<String>(capacity: 2)
        cache.insert(1, "a")
        cache.insert(2, "b")
        cache.insert(1, "a again")  // held already: neither replaced in order nor duplicated
        #expect(cache.ids == [1, 2])
        cache.insert(3, "c")
        #expect(cache.ids == [2, 3])
        #expect(!cache.contains(1))
        #expect(cache[2] == "b")
        cache.removeAll()
        #expect(!cache.contains(3))
    }

    @Test func oversizedFieldsAreRefused() {
        var w = Wire.Writer()
        w.u8(102)
        w.u32(0)
        w.string(String(repeating: "x", count: 200_000))  // state far past the 64 KiB cap
        #expect(throws: Wire.Malformed.self) { _ = try WorkerResponse.decode(w.bytes, limits: StrategyLimits()) }
    }
}
