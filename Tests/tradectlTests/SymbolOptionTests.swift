import Foundation
import Testing

/// Symbols given on the command line follow the platform's one grammar (no separators).
@Suite("CLI: symbols", .serialized)
struct SymbolOptionTests {
    @Test("candles import and a worker's replay refuse a symbol outside ^[A-Z0-9]{2,20}$; a lower-case one is upper-cased")
    func commandLineSymbols() async throws {
        let csv = try CLI.candleFile(60)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tradectl-symbols-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(atPath: csv)
            try? FileManager.default.removeItem(at: dir)
        }
        let db = dir.appendingPathComponent("symbols.sqlite").path
        for bad in ["BTCUSDT,ETHUSDT", "BTC/USDT", "B"] {
            let imported = try await CLI.run(["candles", "import", csv, "--symbol", bad, "--timeframe", "1m", "--db", db, "--json"])
            #expect(imported.status != 0, "candles import --symbol \(bad) succeeded: \(imported.stdout)")
            #expect((imported.stdout + imported.stderr).contains("symbol"), "\(imported.stdout) \(imported.stderr)")
            let replay = try await CLI.run(["worker", "--db", db, "--feed", "replay", "--candles", csv, "--symbol", bad, "--timeframe", "1m",
                                            "--until", "1", "--json"])
            #expect(replay.status != 0, "worker --symbol \(bad) succeeded")
            #expect((replay.stdout + replay.stderr).contains("symbol"), "\(replay.stdout) \(replay.stderr)")
        }
        let ok = try await CLI.run(["candles", "import", csv, "--symbol", "btcusdt", "--timeframe", "1m", "--db", db, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.json?["imported"] as? Int == 60)
        #expect(ok.json?["symbol"] as? String == "BTCUSDT")
    }
}
