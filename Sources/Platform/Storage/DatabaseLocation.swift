import Foundation

/// Where `--db` points: a SQLite file (the embedded default) or a PostgreSQL server given as
/// `postgres://user:password@host:port/database` (`postgresql://` too).
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL, else a file path.
    ///
    /// - Throws: `PlatformError.invalidInput` (field `db`) for an empty value, a URL of another
    ///   scheme, or a PostgreSQL URL without a user, host or database, with a bad port, or with
    ///   a query (connection options are not read yet, and none is silently dropped).
    public init(parsing text: String) throws(PlatformError) {
        guard !text.isEmpty else { throw PlatformError(.invalidInput, "--db is empty: give a SQLite file or postgres://user:password@host:port/database", field: "db") }
        guard let schemeEnd = text.range(of: "://") else {
            self = .sqlite(path: text)
            return
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PlatformError(.invalidInput, "--db '\(scheme)://…' is not supported: give a SQLite file or postgres://user:password@host:port/database", field: "db")
        }
        self = .postgres(try PostgresLocation(url: text))
    }

    /// The SQLite file, for a command that runs on SQLite only.
    ///
    /// - Parameter command: the command asking, named in the error.
    /// - Throws: `PlatformError.unsupported` for a PostgreSQL URL: so far PostgreSQL holds only the
    ///   execution fence (docs/postgresql.md), and the command needs every aggregate.
    public func sqlitePath(for command: String) throws(PlatformError) -> String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location):
            throw PlatformError(.unsupported, """
                `\(command)` cannot run on PostgreSQL (\(location.redacted)) yet: only the execution fence is stored there so far; \
                accounts, catalogue, subscriptions, candles, fan-out and reports are SQLite-only (issue 17, docs/postgresql.md). Give a SQLite file.
                """, field: "db")
        }
    }
}

/// A PostgreSQL server and database, read from a `postgres://` URL.
public struct PostgresLocation: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// - Throws: `PlatformError.invalidInput` (field `db`) naming the missing or malformed part.
    public init(url text: String) throws(PlatformError) {
        func bad(_ why: String) -> PlatformError {
            PlatformError(.invalidInput, "malformed PostgreSQL URL: \(why); expected postgres://user:password@host:port/database", field: "db")
        }
        guard let c = URLComponents(string: text) else { throw bad("not a URL") }
        guard ["postgres", "postgresql"].contains(c.scheme?.lowercased() ?? "") else { throw bad("the scheme must be postgres or postgresql") }
        guard let user = c.user, !user.isEmpty else { throw bad("no user") }
        guard let host = c.host, !host.isEmpty else { throw bad("no host") }
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database name after the host") }
        guard c.query == nil, c.fragment == nil else { throw bad("connection options (?…) are not supported yet") }
        if let port = c.port, !(1...65535).contains(port) { throw bad("the port must be 1–65535") }
        self.user = user
        password = c.password
        self.host = host
        port = c.port ?? 5432
        self.database = database
    }

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    /// The URL with the password left out, for messages and logs.
    public var redacted: String { "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)" }
}
