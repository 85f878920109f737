import ArgumentParser
import Foundation
import Platform

/// `tradectl journal status|project|quarantined`: the fan-out journal as operators see it.
struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "The fan-out journal: entries waiting to be expanded, and entries set aside.",
        subcommands: [Status.self, Project.self, Quarantined.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many entries wait to be expanded and how many were set aside.")
        @OptionGroup var options: DatabaseOptions
        func run() {
            do {
                let db = try options.open()
                let (pending, quarantined) = (try db.pendingFanouts(), try db.quarantinedFanoutCount())
                print(options.json ? Output.json(["pending": pending, "quarantined": quarantined])
                                   : "pending \(pending)\nquarantined \(quarantined)")
            } catch {
                Output.failPlatform(error, json: options.json)
            }
            Output.exit(code: 0)
        }
    }

    struct Project: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Expand the pending entries now (workers do it after each pass); entries that cannot be expanded are set aside.")
        @OptionGroup var options: DatabaseOptions
        func run() {
            do {
                let db = try options.open()
                let taken = try db.projectFanouts()
                let quarantined = try db.quarantinedFanoutCount()
                print(options.json ? Output.json(["taken": taken, "quarantined": quarantined])
                                   : "took \(taken) entries off the journal; \(quarantined) set aside in all")
            } catch {
                Output.failPlatform(error, json: options.json)
            }
            Output.exit(code: 0)
        }
    }

    struct Quarantined: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Entries (or subscribers' parts of entries) that could not be expanded, newest first, with their error.")
        @Option(help: "At most this many.") var limit = 100
        @OptionGroup var options: DatabaseOptions
        func run() {
            do {
                let entries = try options.open().quarantinedFanouts(limit: limit)
                if options.json {
                    print(Output.json(["quarantined": entries.map { e -> [String: Any] in
                        ["executionId": e.executionID, "strategyId": e.strategyID, "symbol": e.symbol, "candleTime": e.candleTime,
                         "subscriptions": e.subscriptions, "error": e.error, "quarantinedAt": e.quarantinedAt]
                    }]))
                } else {
                    print(["execution", "strategy", "symbol", "candle_time", "subscriptions", "quarantined_at", "error"].joined(separator: "\t"))
                    for e in entries {
                        print(["\(e.executionID)", "\(e.strategyID)", e.symbol, "\(e.candleTime)", "\(e.subscriptions)", "\(e.quarantinedAt)",
                               e.error].joined(separator: "\t"))
                    }
                }
            } catch {
                Output.failPlatform(error, json: options.json)
            }
            Output.exit(code: 0)
        }
    }
}
