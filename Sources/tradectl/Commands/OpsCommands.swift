import ArgumentParser
import Foundation
import Platform
import StrategyRuntime

/// Options shared by the commands that work on the local database.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file (postgres:// URLs are refused so far, docs/postgresql.md).") var db = ".tradectl/tradectl.sqlite"
    @Flag(help: "Print JSON.") var json = false

    func validate() throws { try Self.requireSQLite(db, for: "this command") }

    /// Refuses a `--db` that is not a SQLite file (a malformed one, or a PostgreSQL URL, naming
    /// what PostgreSQL does not hold yet) as a usage error.
    static func requireSQLite(_ db: String, for command: String) throws {
        do throws(PlatformError) {
            _ = try DatabaseLocation(parsing: db).sqlitePath(for: command)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func open() throws(PlatformError) -> PlatformDatabase {
        let dir = (db as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        return try PlatformDatabase(path: db)
    }

    func show(_ listing: PlatformDatabase.Listing) -> Never {
        do {
            let rows = try open().listing(listing)
            if json {
                print(Output.json(rows))
            } else if let first = rows.first {
                let columns = first.keys.sorted()
                print(columns.joined(separator: "\t"))
                for r in rows { print(columns.map { r[$0] ?? "" }.joined(separator: "\t")) }
            }
        } catch {
            Output.failPlatform(error, json: json)
        }
        Output.exit(code: 0)
    }
}

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Users in the local database.",
                                                    subcommands: [List.self, Show.self])
    struct List: ParsableCommand {
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.users) }
    }
    struct Show: ParsableCommand {
        @Argument var id: Int64
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.user(id)) }
    }
}

struct SubscriptionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscription", abstract: "A user's subscriptions (scoped by --user).",
                                                    subcommands: [List.self, Show.self])
    struct List: ParsableCommand {
        @Option(help: "The user whose subscriptions to list.") var user: Int64
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.subscriptions(user: user)) }
    }
    struct Show: ParsableCommand {
        @Argument var id: Int64
        @Option(help: "The subscription's owner.") var user: Int64
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.subscription(user: user, id: id)) }
    }
}

struct ExecutionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "executions", abstract: "Executions in the local database.",
                                                    subcommands: [List.self, Show.self])
    struct List: ParsableCommand {
        @Option(help: "Only this strategy's executions.") var strategy: Int64?
        @Option(help: "At most this many, newest first.") var limit = 50
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.executions(strategy: strategy, limit: limit)) }
    }
    struct Show: ParsableCommand {
        @Argument var id: Int64
        @OptionGroup var options: DatabaseOptions
        func run() { options.show(.execution(id)) }
    }
}

/// `tradectl strategy list|show` (next to check and run).
struct StrategyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Strategies in the local database.")
    @OptionGroup var options: DatabaseOptions
    func run() { options.show(.strategies) }
}

struct StrategyShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A strategy's versions, with why the scheduler paused it (paused_reason), if it did.")
    @Argument var id: Int64
    @OptionGroup var options: DatabaseOptions
    func run() { options.show(.strategy(id)) }
}

struct CandlesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "candles", abstract: "The candle store.", subcommands: [Import.self])
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a CSV of OHLCV candles (the layouts `strategy run` takes).")
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "The symbol.") var symbol: String
        @Option(help: "The timeframe.") var timeframe: String
        @OptionGroup var options: DatabaseOptions
        func run() {
            do {
                _ = try Timeframe.parse(timeframe)
                let symbol = try SymbolGrammar.normalized(symbol, field: "--symbol")
                let w = try CandleCSV.read(path: file, symbol: symbol, timeframe: timeframe)
                let n = try options.open().importCandles(w)
                print(options.json ? Output.json(["imported": n, "symbol": symbol, "timeframe": timeframe])
                                   : "imported \(n) candles of \(symbol) \(timeframe)")
            } catch let e as StrategyError {
                Output.fail(e, json: options.json)
            } catch let e as PlatformError {
                Output.failPlatform(e, json: options.json)
            } catch {
                Output.failPlatform(PlatformError(.invalidInput, "\(error)"), json: options.json)
            }
            Output.exit(code: 0)
        }
    }
}
