import Foundation
import Testing

/// `--db` takes a SQLite file or a PostgreSQL URL; until every aggregate runs on PostgreSQL,
/// the commands refuse a URL before touching anything (docs/postgresql.md).
struct DatabaseOptionCLITests {
    @Test(arguments: [["serve"], ["worker"], ["journal", "status"]])
    func aPostgresURLIsRefusedAsAUsageErrorWithoutThePassword(command: [String]) async throws {
        let r = try await CLI.run(command + ["--db", "postgres://trader:s3cret@127.0.0.1:1/tradectl"])
        #expect(r.status == 64, "stderr: \(r.stderr)")  // EX_USAGE
        #expect(r.stderr.contains("unsupported"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("only the execution fence"), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("s3cret"))
    }

    @Test func aMalformedPostgresURLNamesWhatIsWrong() async throws {
        let r = try await CLI.run(["worker", "--db", "postgres://127.0.0.1/tradectl"])
        #expect(r.status == 64, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("malformed PostgreSQL URL: no user"), "stderr: \(r.stderr)")
    }
}
