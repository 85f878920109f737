import Foundation
import Testing

extension OpsCLITests {
    /// Issue 12, finding 1: an entry the projection cannot expand is set aside, and operators see
    /// it (and how many there are) with `tradectl journal`.
    @Test func journalCommandsShowAnEntryThatCouldNotBeExpanded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("j.sqlite").path
        let empty = try await CLI.run(["journal", "status", "--db", db, "--json"])  // creates and migrates the file
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.json?["pending"] as? Int == 0)

        // A malformed entry, written by hand after the last migration.
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3.11")
        python.arguments = ["-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.execute("INSERT INTO executions (id, strategy_version_id, symbol, timeframe, candle_time, status, created_at) VALUES (7, 1, 'BTCUSDT', '1m', 0, 'ok', 0)")
            c.execute("INSERT INTO fanout_journal (execution_id, strategy_id, symbol, candle_time, changes) VALUES (7, 1, 'BTCUSDT', 0, x'544A31FFFF')")
            c.commit()
            """, db]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(try await CLI.run(["journal", "status", "--db", db, "--json"]).json?["pending"] as? Int == 1)

        let project = try await CLI.run(["journal", "project", "--db", db, "--json"])
        #expect(project.status == 0, "\(project.stderr)")
        #expect(project.json?["taken"] as? Int == 1)
        let listed = try await CLI.run(["journal", "quarantined", "--db", db, "--json"])
        let entries = try #require(listed.json?["quarantined"] as? [[String: Any]], "\(listed.stdout) \(listed.stderr)")
        #expect(entries.count == 1)
        #expect(entries.first?["executionId"] as? Int == 7)
        #expect((entries.first?["error"] as? String)?.contains("malformed") == true)
        let status = try await CLI.run(["journal", "status", "--db", db, "--json"])
        #expect(status.json?["pending"] as? Int == 0)
        #expect(status.json?["quarantined"] as? Int == 1)
    }
}
