import Foundation
import GRDB
@testable import Platform
import Testing

/// Issue 12, finding 6: the write-ahead log grew to 428 MB and stayed that size. It is now
/// checkpointed and truncated back under its limit once commits have gone past it.
@Suite struct WALTests {
    static let limit = 16 << 20

    @Test func theWALShrinksBackUnderItsLimitAfterManyCommits() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        let db = try PlatformDatabase(path: path)
        func walBytes() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0 }
        _ = try db.write { d in try d.execute(sql: "CREATE TABLE filler (id INTEGER PRIMARY KEY, b BLOB NOT NULL)") }
        // One commit of 24 MiB puts the log past the limit whatever the checkpointer's timing
        // (a checkpoint cannot cut the log while a write is open), then 24 commits of 1 MiB.
        _ = try db.write { d in
            for i in 0..<24 { try d.execute(sql: "INSERT OR REPLACE INTO filler (id, b) VALUES (?, zeroblob(1048576))", arguments: [i]) }
        }
        let peak = walBytes()
        for i in 0..<24 {
            _ = try db.write { d in
                try d.execute(sql: "INSERT OR REPLACE INTO filler (id, b) VALUES (?, zeroblob(1048576))", arguments: [i % 4])
            }
        }
        #expect(peak > Self.limit, "the commits went past the limit (peak \(peak) bytes)")
        var size = walBytes()
        for _ in 0..<100 where size > Self.limit {  // at most 10 s
            try await Task.sleep(for: .milliseconds(100))
            size = walBytes()
        }
        #expect(size <= Self.limit, "the WAL stayed at \(size) bytes")
        // And it keeps working at that size: a commit after the truncation lands.
        _ = try db.write { d in try d.execute(sql: "INSERT INTO filler (id, b) VALUES (100, x'00')") }
        #expect(try db.read { d in try Int.fetchOne(d, sql: "SELECT COUNT(*) FROM filler") } == 25)
    }
}
