import Foundation
import Logging
import Platform
import TestSupport
import Testing

/// The storage backends every aggregate test runs against: the same test body, parameterised.
enum StorageBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// One PostgreSQL server for a whole suite (`@Suite(.postgresServer)`), started before its first
/// test and stopped after its last; each test makes its own database on it. A server that cannot
/// start fails every test of the suite.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: PostgresHarness?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await offPool { try PostgresHarness() }  // initdb and pg_ctl take seconds
        do {
            try await Self.$current.withValue(server) { try await function() }
        } catch {
            _ = try? await offPool { server.stop() }
            throw error
        }
        _ = try await offPool { server.stop() }
    }

    /// The suite's server.
    static func server() throws -> PostgresHarness {
        guard let server = current else { throw HarnessError("no PostgreSQL server: mark the suite @Suite(.postgresServer)") }
        return server
    }
}

extension Trait where Self == PostgresServerTrait {
    static var postgresServer: Self { PostgresServerTrait() }
}

/// A fresh database on `backend` with one author and two strategy versions to key executions
/// on, opened twice, as two processes would (two SQLite pools on one file, two PostgreSQL pools
/// on one database).
struct FenceFixture {
    let fences: [any ExecutionFence]
    let versionIDs: [Int64]
    private let close: @Sendable () async -> Void

    var fence: any ExecutionFence { fences[0] }

    static func make(_ backend: StorageBackend) async throws -> FenceFixture {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fence-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("fence.sqlite").path
            let first = try PlatformDatabase(path: path)
            let author = try first.createUser(name: "author")
            let spec = StrategyVersionSpec(source: "def main(data):\n    return None\n", symbols: ["BTCUSDT"], timeframe: .m1)
            let versions = try ["one", "two"].map { try first.createStrategy(ownerID: author, name: $0, spec: spec).id }
            let second = try PlatformDatabase(path: path)
            return FenceFixture(fences: [SQLiteExecutionFence(first), SQLiteExecutionFence(second)], versionIDs: versions) {
                _ = (first, second)
                try? FileManager.default.removeItem(at: dir)
            }
        case .postgres:
            let server = try PostgresServerTrait.server()
            let (name, url) = try await offPool { try server.createDatabase() }
            let location = try PostgresLocation(url: url)
            // Two processes starting at once: the advisory lock lets one of them migrate.
            var logger = Logger(label: "test.postgres")
            logger.logLevel = .warning  // the pool's info lines (a connection closed at shutdown) are not findings
            async let a = PostgresStorage.connect(location, maxConnections: 8, logger: logger)
            async let b = PostgresStorage.connect(location, maxConnections: 8, logger: logger)
            let (first, second) = try await (a, b)
            let author = try await offPool { try server.psql("INSERT INTO users (name, created_at) VALUES ('author', 0) RETURNING id", database: name) }
            var versions: [Int64] = []
            for strategy in ["one", "two"] {
                let id = try await offPool { try server.psql("""
                    WITH s AS (INSERT INTO strategies (owner_id, name, created_at) VALUES (\(author), '\(strategy)', 0) RETURNING id)
                    INSERT INTO strategy_versions (strategy_id, version, source, symbols, timeframe, created_at)
                    SELECT id, 1, 'def main(data):\n    return None\n', 'BTCUSDT', '1m', 0 FROM s RETURNING id
                    """, database: name) }
                versions.append(try #require(Int64(id)))
            }
            return FenceFixture(fences: [PostgresExecutionFence(first), PostgresExecutionFence(second)], versionIDs: versions) {
                await first.close()
                await second.close()
            }
        }
    }

    init(fences: [any ExecutionFence], versionIDs: [Int64], close: @escaping @Sendable () async -> Void) {
        self.fences = fences
        self.versionIDs = versionIDs
        self.close = close
    }

    func tearDown() async { await close() }
}
