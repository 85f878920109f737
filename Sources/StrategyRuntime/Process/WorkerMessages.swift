import Foundation

/// What the host asks a `process`-level worker.
enum WorkerRequest: Equatable {
    case load(StrategySource, StrategyLimits)
    /// Runs a strategy on the host's frame `frameID`. The candles travel only when the worker
    /// does not hold that frame yet (see `FrameCache`); it then keeps it for later calls.
    case run(handle: UInt32, frameID: UInt64, candles: WindowPayload, context: StrategyCallContext)
    /// Runs a strategy on every window of `lookback` candles of `candles` ending at `firstEnd`
    /// and after, in order, with one context (a parallel backtest's block; `outcomes` answers).
    case runWindows(handle: UInt32, candles: CandleWindow, firstEnd: UInt32, lookback: UInt32, context: StrategyCallContext)

    func encode() -> [UInt8] {
        var w = Wire.Writer()
        switch self {
        case .load(let source, let limits):
            w.u8(1)
            w.string(source.id)
            w.u32(UInt32(source.version))
            w.string(source.code)
            for d in [limits.timeout, limits.loadTimeout, limits.grace] { w.u64(UInt64(max(0, d / .milliseconds(1)))) }
            for n in [limits.memoryBytes, limits.outputBytes, limits.recursionLimit, limits.stateBytes] { w.u64(UInt64(n)) }
        case .run(let handle, let frameID, let candles, let context):
            w.u8(2)
            w.u32(handle)
            w.u64(frameID)
            switch candles {
            case .held:
                w.u8(0)
            case .full(let window):
                w.u8(1)
                w.window(window)
            case .slid(let base, let tail):
                w.u8(2)
                w.u64(base)
                w.window(tail)
            }
            w.context(context)
        case .runWindows(let handle, let candles, let firstEnd, let lookback, let context):
            w.u8(3)
            w.u32(handle)
            w.window(candles)
            w.u32(firstEnd)
            w.u32(lookback)
            w.context(context)
        }
        return w.framed
    }

    static func decode(_ bytes: [UInt8]) throws(Wire.Malformed) -> WorkerRequest {
        var r = Wire.Reader(bytes)
        switch try r.u8() {
        case 1:
            let id = try r.string(max: 256), version = Int(try r.u32()), code = try r.string()
            var limits = StrategyLimits()
            limits.timeout = .milliseconds(Int64(try r.u64()))
            limits.loadTimeout = .milliseconds(Int64(try r.u64()))
            limits.grace = .milliseconds(Int64(try r.u64()))
            limits.memoryBytes = Int(try r.u64())
            limits.outputBytes = Int(try r.u64())
            limits.recursionLimit = Int(try r.u64())
            limits.stateBytes = Int(try r.u64())
            return .load(StrategySource(id: id, version: version, code: code), limits)
        case 2:
            let handle = try r.u32(), frameID = try r.u64()
            let candles: WindowPayload
            switch try r.u8() {
            case 0: candles = .held
            case 1: candles = .full(try r.window())
            case 2:
                let base = try r.u64()
                candles = .slid(base: base, tail: try r.window())
            case let k: throw Wire.Malformed(description: "bad window flag \(k)")
            }
            return .run(handle: handle, frameID: frameID, candles: candles, context: try r.context())
        case 3:
            let handle = try r.u32(), candles = try r.window(), firstEnd = try r.u32(), lookback = try r.u32()
            return .runWindows(handle: handle, candles: candles, firstEnd: firstEnd, lookback: lookback, context: try r.context())
        case let k:
            throw Wire.Malformed(description: "unknown request kind \(k)")
        }
    }
}

/// What a worker answers.
enum WorkerResponse: Equatable {
    /// The worker's first message: its protocol version and its kernel confinement.
    case hello(protocolVersion: UInt32, sandbox: SandboxReport)
    case loaded(handle: UInt32, takesContext: Bool)
    case outcome(StrategyOutcome)
    case failure(StrategyError)
    /// The run named a frame the worker does not hold: send it again with its window.
    case frameMissing(UInt64)
    /// What `runWindows` gave, window by window: each an `outcome` or a `failure`.
    case outcomes([WorkerResponse])

    func encode() -> [UInt8] {
        var w = Wire.Writer()
        switch self {
        case .hello(let version, let report):
            w.u8(100)
            w.u32(Wire.helloMagic)
            w.u32(version)
            w.u32(report.active.rawValue)
            w.u32(UInt32(report.landlockABI))
            w.u32(UInt32(report.threads))
            w.u32(report.failedStep.rawValue)
            w.u32(UInt32(bitPattern: report.errno))
            w.u32(report.uid)
        case .loaded(let handle, let takesContext):
            w.u8(101)
            w.u32(handle)
            w.u8(takesContext ? 1 : 0)
        case .outcome(let o):
            w.u8(102)
            w.u32(UInt32(o.signals.count))
            for s in o.signals {
                w.string(s.action.rawValue)
                w.f64(s.entryPrice)
                w.optional(s.stopLoss)
                w.optional(s.takeProfit)
                w.string(s.symbol)
            }
            w.intents(o.intents)
            w.string(o.stateJSON)
            w.string(o.stdout)
            w.string(o.stderr)
            w.u8(o.outputTruncated ? 1 : 0)
            w.u64(o.strategyNanos)
        case .frameMissing(let id):
            w.u8(103)
            w.u64(id)
        case .outcomes(let each):
            w.u8(104)
            w.u32(UInt32(each.count))
            for r in each { w.raw(r.encode()) }  // each framed: its length, then its body
        case .failure(let e):
            w.u8(200)
            w.string(e.code.description)
            w.string(e.message)
            w.string(e.traceback ?? "")
            w.string(e.field ?? "")
            w.i64(Int64(e.line ?? -1))
            w.string(e.stdout)
            w.string(e.stderr)
        }
        return w.framed
    }

    /// Decodes a worker's bytes; anything malformed is an error, never trusted.
    static func decode(_ bytes: [UInt8], limits: StrategyLimits) throws(Wire.Malformed) -> WorkerResponse {
        var r = Wire.Reader(bytes)
        switch try r.u8() {
        case 100:
            guard try r.u32() == Wire.helloMagic else { throw Wire.Malformed(description: "not a tradectl-sandbox hello") }
            let version = try r.u32()
            guard version == Wire.protocolVersion else {
                throw Wire.Malformed(description: "the worker speaks protocol \(version), this host \(Wire.protocolVersion): another build")
            }
            let active = try r.u32(), abi = try r.u32(), threads = try r.u32(), failed = try r.u32(), err = try r.u32(), uid = try r.u32()
            return .hello(protocolVersion: version,
                          sandbox: SandboxReport(active: .init(rawValue: active), landlockABI: Int(abi), threads: Int(threads),
                                                 failedStep: .init(rawValue: failed), errno: Int32(bitPattern: err), uid: uid))
        case 101:
            let handle = try r.u32()
            return .loaded(handle: handle, takesContext: try r.u8() == 1)
        case 102:
            let n = Int(try r.u32())
            guard n <= 1_000 else { throw Wire.Malformed(description: "\(n) signals") }
            var signals: [Signal] = []
            for _ in 0..<n {
                guard let action = Signal.Action(rawValue: try r.string(max: 8)) else { throw Wire.Malformed(description: "bad action") }
                let entry = try r.f64(), sl = try r.optional(), tp = try r.optional()
                signals.append(Signal(action: action, entryPrice: entry, stopLoss: sl, takeProfit: tp, symbol: try r.string(max: 64)))
            }
            let intents = try r.intents()
            let state = try r.string(max: limits.stateBytes * 2 + 16)
            let out = try r.string(max: limits.outputBytes * 4 + 16), err = try r.string(max: limits.outputBytes * 4 + 16)
            let truncated = try r.u8() == 1
            return .outcome(StrategyOutcome(signals: signals, intents: intents, stateJSON: state, stdout: out, stderr: err,
                                            outputTruncated: truncated, strategyNanos: try r.u64()))
        case 103:
            return .frameMissing(try r.u64())
        case 104:
            let n = Int(try r.u32())
            guard n <= Wire.maxWindows else { throw Wire.Malformed(description: "\(n) outcomes") }
            var each: [WorkerResponse] = []
            each.reserveCapacity(n)
            for _ in 0..<n {
                let length = Int(try r.u32())
                let one = try decode(Array(try r.take(length)), limits: limits)
                switch one {
                case .outcome, .failure: each.append(one)
                default: throw Wire.Malformed(description: "an outcomes reply holds \(one)")
                }
            }
            return .outcomes(each)
        case 200:
            guard let code = StrategyError.Code(description: try r.string(max: 64)) else { throw Wire.Malformed(description: "bad error code") }
            var e = StrategyError(code, try r.string(max: 1 << 16))
            let tb = try r.string(max: 1 << 16), field = try r.string(max: 256), line = try r.i64()
            e.traceback = tb.isEmpty ? nil : tb
            e.field = field.isEmpty ? nil : field
            e.line = line >= 0 ? Int(line) : nil
            e.stdout = try r.string(max: limits.outputBytes * 4 + 16)
            e.stderr = try r.string(max: limits.outputBytes * 4 + 16)
            return .failure(e)
        case let k:
            throw Wire.Malformed(description: "unknown response kind \(k)")
        }
    }
}
