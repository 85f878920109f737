import ArgumentParser
import Foundation

/// `tradectl bench dashboard`: every page's time with 100 strategies and 1,000 subscriptions
/// stored, and the weight of the strategy list's first page with its scripts and styles.
struct BenchDashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Page times (server and loopback client) and the strategy list's weight, on a seeded SQLite file.")

    @Option(help: "Strategies to store.") var strategies = 100
    @Option(help: "Users (each subscribes to every strategy: users × strategies subscriptions).") var users = 10
    @Option(help: "Requests per page (after 5 warm-up requests).") var requests = 50
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let bench = DashboardBench(strategies: strategies, users: users, requests: max(requests, 5),
                                   progress: { if !json { FileHandle.standardError.write(Data("  \($0)…\n".utf8)) } })
        let report = try await bench.run()
        print(json ? Output.json(report.object) : report.table)
        Output.exit(code: 0)
    }
}
