import Foundation
import Platform
import Testing

/// The test's side of `--start-file`: waits until every named worker is warmed up and ready, then
/// starts their clocks together `lead` from now. No guessed start allowance, however loaded the
/// machine is.
enum StartSignal {
    static func file(in dir: URL) -> String { dir.appendingPathComponent("start").path }

    /// - Returns: the wall start (epoch ms) the workers were given.
    static func go(_ file: String, workers names: [String], lead: Int64 = 300, wait: Duration = .seconds(120)) async throws -> Int64 {
        let end = ContinuousClock.now + wait
        while !names.allSatisfy({ FileManager.default.fileExists(atPath: "\(file).\($0).ready") }) {
            guard ContinuousClock.now < end else {
                Issue.record("workers not ready after \(wait): \(names.filter { !FileManager.default.fileExists(atPath: "\(file).\($0).ready") })")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let start = VirtualClock.wallNow() + lead
        try String(start).write(toFile: file, atomically: true, encoding: .utf8)
        return start
    }
}
