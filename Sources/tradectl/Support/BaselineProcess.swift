import Foundation
import StrategyRuntime

/// Runs the seed's Python baselines (python/baseline) in a separate `python3.11` process.
enum BaselineProcess {
    static let python = "/usr/bin/python3.11"

    /// The candle payload the baseline scripts read on stdin.
    static func payload(_ w: CandleWindow) -> Data {
        let object: [String: Any] = [
            "symbol": w.symbol, "timeframe": w.timeframe, "time": w.times, "open": w.open, "high": w.high,
            "low": w.low, "close": w.close, "volume": w.volume,
        ]
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    /// Starts `python3.11 script args…`, feeds `input`, waits for it to exit and returns its stdout.
    ///
    /// - Throws: `BaselineError` when the process cannot start or exits non-zero.
    static func run(script: String, arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BaselineError(script: script, status: process.terminationStatus,
                                output: String(decoding: out + err, as: UTF8.self))
        }
        return out
    }
}

struct BaselineError: Error, CustomStringConvertible {
    let script: String
    let status: Int32
    let output: String
    var description: String { "\(script) exited with status \(status): \(output.suffix(2000))" }
}
