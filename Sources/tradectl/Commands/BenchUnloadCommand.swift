import ArgumentParser
import Foundation
import StrategyRuntime

/// `tradectl bench unload`: loads, runs and unloads N sub-interpreter strategies, and shows the
/// threads and RSS of the process before and after (they must return to where they were).
struct BenchUnloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unload",
        abstract: "Threads and RSS before and after loading, running and unloading N sub-interpreter strategies.")

    @Option(help: "Sub-interpreter strategies to load and unload after the warm-up.") var count = 100
    @Option(help: "Load/unload cycles first, so that allocator arenas and caches are warm.") var warmup = 40
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var before = (threads: 0, rss: 0.0), after = (threads: 0, rss: 0.0)
        do throws(StrategyError) {
            let host = try await StrategyHost()
            let frame = try host.frame(SyntheticCandles(seed: 3).generate(60))
            let code = "import math\nX = [0] * 100_000\ndef main(data):\n    return {'action': 'BUY'}\n"
            for i in 0..<(warmup + count) {
                if i == warmup {
                    try? await Task.sleep(for: .milliseconds(200))
                    before = (Self.threads(), BenchMemoryCommand.residentMiB())
                }
                let s = try await host.load(StrategySource(id: "sub-\(i)", code: code), isolation: .subinterpreter)
                _ = try await host.run(s, on: frame)
                await host.unload(s)
            }
            try? await Task.sleep(for: .milliseconds(200))
            after = (Self.threads(), BenchMemoryCommand.residentMiB())
        } catch {
            Output.fail(error, json: json)
        }
        if json {
            print(Output.json(["count": count, "threads_before": before.threads, "threads_after": after.threads,
                               "rss_before_mib": before.rss, "rss_after_mib": after.rss]))
        } else {
            print(String(format: "after %d sub-interpreters loaded, run and unloaded: threads %d → %d, RSS %.1f → %.1f MiB",
                         count, before.threads, after.threads, before.rss, after.rss))
        }
        Output.exit(code: 0)
    }

    /// Threads of this process, from /proc/self/status.
    static func threads() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }) else { return -1 }
        return Int(line.split(separator: "\t").last ?? "") ?? -1
    }
}
