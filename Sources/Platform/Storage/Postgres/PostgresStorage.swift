import Logging
import PostgresNIO

/// A PostgreSQL database through postgres-nio's connection pool (`PostgresClient`), migrated on
/// connect. Queries run on SwiftNIO's event loops; callers only await them.
///
/// So far it holds the execution fence (`PostgresExecutionFence`); the other aggregates are
/// SQLite-only (docs/postgresql.md).
public final class PostgresStorage: Sendable {
    let client: PostgresClient
    let logger: Logger
    public let location: PostgresLocation
    /// The pool's `run()`, for as long as the storage is open.
    private let pool: Task<Void, Never>

    private init(client: PostgresClient, location: PostgresLocation, logger: Logger) {
        self.client = client
        self.location = location
        self.logger = logger
        pool = Task { await client.run() }
    }

    deinit { pool.cancel() }

    /// Connects (lazily, through the pool) and applies the migrations not applied yet.
    ///
    /// - Parameters:
    ///   - maxConnections: the pool's ceiling; size it under the server's `max_connections`
    ///     divided by the number of processes.
    ///   - logger: for the pool's background messages (connections made and lost).
    /// - Throws: `PlatformError.storage` when the server cannot be reached or refuses a migration.
    public static func connect(_ location: PostgresLocation, maxConnections: Int = 16,
                               logger: Logger) async throws(PlatformError) -> PostgresStorage {
        var config = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                  password: location.password, database: location.database, tls: .disable)
        config.options.maximumConnections = maxConnections
        config.options.connectTimeout = .seconds(5)
        let storage = PostgresStorage(client: PostgresClient(configuration: config, backgroundLogger: logger), location: location, logger: logger)
        do {
            try await PostgresSchema.migrate(storage.client, logger: logger)
        } catch {
            await storage.close()
            throw storage.platformError(error, doing: "migrating")
        }
        return storage
    }

    /// Closes the pool's connections and waits for it to stop.
    public func close() async {
        pool.cancel()
        await pool.value
    }

    /// postgres-nio's errors as `PlatformError`, with the server's SQLSTATE and message (its own
    /// `description` is redacted) and never the password.
    func platformError(_ error: any Error, doing what: String) -> PlatformError {
        if let e = error as? PlatformError { return e }
        guard let e = error as? PSQLError else { return PlatformError(.storage, "PostgreSQL \(what): \(error)") }
        if let state = e.serverInfo?[.sqlState] {
            let message = e.serverInfo?[.message] ?? ""
            let detail = e.serverInfo?[.detail].map { " (\($0))" } ?? ""
            let code: PlatformError.Code = state == "23514" ? .invalidInput : .storage  // check_violation, as SQLite's CHECK
            return PlatformError(code, "PostgreSQL \(what): \(state) \(message)\(detail)")
        }
        return PlatformError(.storage, "PostgreSQL at \(location.redacted) \(what): \(e.code)\(e.underlying.map { ": \($0)" } ?? "")")
    }

    /// Runs `body` on one pooled connection inside a transaction, mapping errors.
    func transaction<T: Sendable>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws(PlatformError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { try await body($0) }
        } catch {
            throw platformError(error, doing: what)
        }
    }

    /// Runs one statement on a pooled connection, mapping errors.
    func query<T: Sendable>(_ what: String, _ body: (PostgresClient) async throws -> T) async throws(PlatformError) -> T {
        do {
            return try await body(client)
        } catch {
            throw platformError(error, doing: what)
        }
    }
}
