import Foundation
import Testing

/// `tradectl bot preview|backtest`, run as a user would.
@Suite(.serialized) struct BotCLITests {
    static let grid = #"{"lower": 95, "upper": 135, "levels": 9, "investment": 1000}"#

    @Test func previewPrintsTheStartOrders() async throws {
        let r = try await CLI.run(["bot", "preview", "grid", "--params", Self.grid, "--price", "112.5", "--tick-size", "0.01",
                                   "--lot-step", "0.0001", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let orders = try #require(r.json?["orders"] as? [[String: Any]], "\(r.stdout)")
        #expect(orders.first?["type"] as? String == "market" && orders.first?["side"] as? String == "buy")
        #expect(orders.filter { $0["type"] as? String == "limit" }.count == 8, "9 lines, the one nearest the price empty")
        #expect((r.json?["emptyLine"] as? NSNumber)?.doubleValue == 110)
        let table = try await CLI.run(["bot", "preview", "grid", "--params", Self.grid, "--price", "112.5"])
        #expect(table.status == 0 && table.stdout.contains("orders (9)") && table.stdout.contains("perOrder"), "\(table.stdout)")
    }

    /// The lot step rounds 1000 / 8 per order at 95 down to 0.0131 (a notional of 1.2445), under
    /// the minimum notional: the bot's own validation names `investment`.
    @Test func anOrderUnderTheMinimumNotionalAfterRoundingNamesTheField() async throws {
        let r = try await CLI.run(["bot", "preview", "grid", "--params", #"{"lower": 95, "upper": 135, "levels": 9}"#,
                                   "--investment", "10", "--price", "112.5", "--lot-step", "0.0001", "--min-notional", "5", "--json"])
        #expect(r.status == 1)
        let error = try #require(r.json?["error"] as? [String: Any], "\(r.stdout)")
        #expect(error["field"] as? String == "investment")
        #expect((error["message"] as? String)?.contains("below the minimum notional 5") == true, "\(error)")
        let text = try await CLI.run(["bot", "backtest", "grid", "--params", #"{"lower": 95, "upper": 135, "levels": 300, "investment": 1000}"#,
                                      "--candles", try CLI.candleFile(), "--symbol", "BTCUSDT", "--timeframe", "1m"])
        #expect(text.status == 1 && text.stderr.contains("levels: must be between 3 and 200"), "\(text.stderr)")
    }

    @Test func backtestSummarisesTheGridWithItsOrdersAndFills() async throws {
        let csv = try CLI.candleFile()
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let r = try await CLI.run(["bot", "backtest", "grid", "--params", Self.grid, "--candles", csv, "--symbol", "BTCUSDT",
                                   "--timeframe", "1m", "--tick-size", "0.01", "--lot-step", "0.0001", "--min-notional", "5", "--json"],
                                  limit: .seconds(120))
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(r.json?["summary"] as? [String: Any], "\(r.stdout)")
        let orders = try #require(r.json?["orders"] as? [[String: Any]])
        let fills = try #require(r.json?["fills"] as? [[String: Any]])
        #expect((summary["round_trips"] as? NSNumber)?.intValue ?? 0 > 0, "\(summary)")
        #expect((summary["candles"] as? NSNumber)?.intValue == 239)
        #expect(fills.count > 5 && orders.count > fills.count)
        #expect(fills.allSatisfy { ($0["price"] as? NSNumber).map { $0.doubleValue >= 95 && $0.doubleValue <= 135 } ?? false })
        #expect(summary["failed_calls"] as? NSNumber == 0)
        let inRange = try #require((summary["time_in_range"] as? NSNumber)?.doubleValue)
        #expect(inRange > 0 && inRange <= 1)
        let total = try #require((summary["total_pnl"] as? NSNumber)?.doubleValue)
        let realised = try #require((summary["realised_profit"] as? NSNumber)?.doubleValue)
        let unrealised = try #require((summary["unrealised_pnl"] as? NSNumber)?.doubleValue)
        #expect(abs(realised + unrealised - total) < 1e-6 && realised > 0)
        let table = try await CLI.run(["bot", "backtest", "grid", "--params", Self.grid, "--candles", csv, "--symbol", "BTCUSDT",
                                       "--timeframe", "1m"], limit: .seconds(120))
        #expect(table.status == 0 && table.stdout.contains("round trips") && table.stdout.contains("time in range"), "\(table.stdout)")
        #expect(!table.stderr.contains("["), "no progress bar without a terminal: \(table.stderr)")
    }
}
