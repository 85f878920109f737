import Foundation
import Platform
import StrategyRuntime

/// `--start-file`: workers that start their clock together, once all are ready, instead of at a
/// wall time guessed in advance (which a loaded machine misses). Each worker warms up (its
/// authors' sandbox workers), writes `FILE.NAME.ready`, then waits for FILE, whose content is the
/// wall time (epoch ms) that maps to `--virtual-start`.
enum StartHandshake {
    static func wallStart(file: String, name: String, host: StrategyHost, db: String, wait: Duration = .seconds(300)) async throws -> Int64 {
        let database = try PlatformDatabase(path: db)
        _ = try await Worker.warmUp(host: host, registry: LocalRegistry(db: database))
        try Data().write(to: URL(fileURLWithPath: "\(file).\(name).ready"))
        let end = ContinuousClock.now + wait
        while ContinuousClock.now < end {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
               let start = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return start
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PlatformError(.invalidInput, "no start time in \(file) after \(wait)", field: "start-file")
    }
}
