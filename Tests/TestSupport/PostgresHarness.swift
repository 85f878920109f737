import Foundation

/// A real PostgreSQL 15 server (Debian's `postgresql`) on a free loopback port, in a temporary
/// directory that holds its data and its unix socket, stopped and removed when the test ends. A
/// missing or failing server fails the test; it never skips.
///
/// PostgreSQL refuses to run as root, so under uid 0 every server command runs as the `postgres`
/// user (`runuser -u postgres --`), which owns the temporary directory.
public final class PostgresHarness: @unchecked Sendable {  // @unchecked: used by one test at a time.
    public let port: Int32
    public let database: String
    /// The temporary directory: `data/` (the cluster), the socket and `server.log`.
    public let directory: URL
    private var running = false

    /// The URL the platform takes: `postgres://postgres@127.0.0.1:PORT/DATABASE` (trust authentication on loopback).
    public var url: String { "postgres://\(Self.superuser)@127.0.0.1:\(port)/\(database)" }

    static let superuser = "postgres"
    static let binSearch = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin", "/usr/local/pgsql/bin"]

    /// Creates a cluster, starts it and creates `database`.
    ///
    /// - Throws: `HarnessError` naming what is missing or what the server said.
    public init(database: String = "tradectl_test") throws {
        self.database = database
        port = try RedisHarness.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            try Self.handOver(directory)
            try run("initdb", ["-D", dataPath, "-A", "trust", "-U", Self.superuser, "-E", "UTF8", "--no-locale", "--no-sync"])
            try start()
            try run("createdb", ["-h", directory.path, "-p", String(port), "-U", Self.superuser, database])
        } catch {
            stop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }
    private var logPath: String { directory.appendingPathComponent("server.log").path }

    /// The directory holding `initdb`, `pg_ctl` and the rest.
    public static var binDirectory: String? {
        binSearch.first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    /// Starts the server (after `stop`, on the same port and data) and waits until it accepts connections.
    public func start() throws {
        // -w waits for readiness, -t bounds that wait; fsync off: the cluster is thrown away.
        let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        try run("pg_ctl", ["-D", dataPath, "-l", logPath, "-o", options, "-w", "-t", "60", "start"])
        running = true
    }

    /// Stops the server (fast shutdown: open connections are closed).
    public func stop() {
        guard running else { return }
        running = false
        if (try? run("pg_ctl", ["-D", dataPath, "-m", "fast", "-w", "-t", "30", "stop"])) == nil {
            // pg_ctl failed: kill the postmaster by the pid it wrote.
            if let text = try? String(contentsOfFile: dataPath + "/postmaster.pid", encoding: .utf8),
               let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
        }
    }

    /// Stops the server and starts it again on the same port and data.
    public func restart() throws {
        stop()
        try start()
    }

    /// Runs SQL through `psql` (in `database`, the harness's own by default) and returns its
    /// unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        try run("psql", ["-h", directory.path, "-p", String(port), "-U", Self.superuser, "-d", database ?? self.database,
                         "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql])
    }

    /// Creates a fresh database on this server (one per test, so tests sharing the server never
    /// see each other's rows) and returns its URL.
    public func createDatabase() throws -> (name: String, url: String) {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE DATABASE \(name)")
        return (name, "postgres://\(Self.superuser)@127.0.0.1:\(port)/\(name)")
    }

    /// Runs one PostgreSQL program, as `postgres` when this process is root.
    @discardableResult
    private func run(_ program: String, _ arguments: [String]) throws -> String {
        guard let bin = Self.binDirectory else {
            throw HarnessError("PostgreSQL is not installed (looked in \(Self.binSearch.joined(separator: ", "))); run scripts/setup.sh (tests that need PostgreSQL fail without it)")
        }
        let program = "\(bin)/\(program)"
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", Self.superuser, "--", program] + arguments : [program] + arguments
        let (status, output) = try ChildProcess.run(command, in: directory.path)
        guard status == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { "\nserver.log:\n" + $0.suffix(2000) } ?? ""
            throw HarnessError("\(program) \(arguments.joined(separator: " ")) exited \(status): \(output)\(log)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Under root, gives the directory to `postgres` (initdb refuses a directory it cannot own).
    private static func handOver(_ directory: URL) throws {
        guard getuid() == 0 else { return }
        guard let user = getpwnam(superuser) else {
            throw HarnessError("running as root and there is no '\(superuser)' user to run PostgreSQL as (PostgreSQL refuses root); install postgresql")
        }
        guard chown(directory.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw HarnessError("cannot give \(directory.path) to \(superuser): errno \(errno)")
        }
        // The temporary directory's parents must be traversable by postgres.
        chmod(directory.path, 0o700)
    }
}
