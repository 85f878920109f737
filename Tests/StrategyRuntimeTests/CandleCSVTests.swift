import StrategyRuntime
import Testing

@Suite struct CandleCSVTests {
    static let rows = "100,101,99,100.5,10\n100.5,102,100,101.5,11\n101.5,103,101,102,12\n"

    static func csv(header: String, times: [String]) -> String {
        let bodies = rows.split(separator: "\n")
        return header + "\n" + zip(times, bodies).map { "\($0),\($1)" }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: [
        ("time,open,high,low,close,volume", ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"]),
        ("Timestamp,Open,High,Low,Close,Volume", ["1704067200", "1704067260", "1704067320"]),
        ("DATE,OPEN,HIGH,LOW,CLOSE,VOLUME", ["1704067200000", "1704067260000", "1704067320000"]),
        ("open_time,open,high,low,close,volume", ["2024-01-01 00:00:00", "2024-01-01 00:01:00", "2024-01-01 00:02"]),
        (",open,high,low,close,volume", ["2024-01-01T01:00:00+01:00", "2024-01-01T00:01:00.000Z", "2024-01-01T00:02:00Z"]),
    ])
    func commonLayoutsReadTheSameCandles(header: String, times: [String]) throws {
        let w = try CandleCSV.parse(Self.csv(header: header, times: times), symbol: "BTCUSDT", timeframe: "1m")
        #expect(w.times == [1_704_067_200_000, 1_704_067_260_000, 1_704_067_320_000])
        #expect(w.close == [100.5, 101.5, 102])
        #expect(w.volume == [10, 11, 12])
    }

    @Test func headerlessFileAndDateOnlyTimes() throws {
        let text = "2024-01-01,100,101,99,100.5,10\n2024-01-03,100.5,102,100,101.5,11\n"
        let w = try CandleCSV.parse(text, symbol: "X", timeframe: "1d")
        #expect(w.times == [1_704_067_200_000, 1_704_240_000_000])  // a gap (closed market) is fine
    }

    @Test func columnsMayComeInAnyOrder() throws {
        let text = "time,volume,close,low,high,open\n1704067200,5,100.5,99,101,100\n"
        let w = try CandleCSV.parse(text, symbol: "X", timeframe: "1m")
        #expect(w.open == [100])
        #expect(w.high == [101])
        #expect(w.volume == [5])
    }

    @Test(arguments: [
        ("time,open,high,low,close\n1704067200,100,101,99,100\n1704067260,100,abc,99,100\n", 3, "high"),
        ("time,open,high,low,close\n1704067200,100,101,99,100\nnot-a-time,100,101,99,100\n", 3, "time"),
        ("time,open,high,low,close\n1704067200,100,101,99,100\n1704067260,100,101\n", 3, "fields"),
        ("time,open,high,low,close\n1704067260,100,101,99,100\n1704067200,100,101,99,100\n", 3, "earlier"),
        ("time,open,high,low,close\n1704067200,100,101,99,100\n1704067200,100,101,99,100\n", 3, "duplicate"),
        ("time,open,high,low,close\n1704067200,100,99,98,100\n", 2, "bound"),
        ("time,open,high,low,close\n1704067200,100,101,99,nan\n", 2, "finite"),
        ("price,open,high,low,close\n1704067200,100,101,99,100\n", 1, "first column"),
        ("time,open,high,low\n1704067200,100,101,99\n", 1, "close"),
    ])
    func malformedRowsNameTheirLine(text: String, line: Int, words: String) {
        #expect {
            _ = try CandleCSV.parse(text, name: "c.csv", symbol: "X", timeframe: "1m")
        } throws: { error in
            guard let e = error as? StrategyError else { return false }
            return e.code == .invalidInput && e.message.contains("c.csv line \(line):") && e.message.contains(words)
        }
    }

    @Test func emptyFileIsAnError() {
        #expect(throws: StrategyError.self) { try CandleCSV.parse("time,open,high,low,close\n", symbol: "X", timeframe: "1m") }
    }

    @Test func isoStringRoundTrips() {
        #expect(CandleCSV.isoString(1_704_067_260_000) == "2024-01-01T00:01:00Z")
        #expect(CandleCSV.parseTime("2024-01-01T00:01:00Z") == 1_704_067_260_000)
    }

    /// Fields are tokenised by SwiftCSV: quotes, commas inside quotes, CRLF endings and a byte
    /// order mark read as the plain file does.
    @Test func quotedFieldsCRLFAndAByteOrderMark() throws {
        let text = "\u{FEFF}\"time\",\"note\",\"open\",\"high\",\"low\",\"close\",\"volume\"\r\n"
            + "\"2024-01-01T00:00:00Z\",\"calm, quiet\",\"100\",\"101\",\"99\",\"100.5\",\"10\"\r\n"
            + "2024-01-01T00:01:00Z,\"said \"\"hi\"\"\", 100.5 ,102,100,101.5,11\r\n"
        let w = try CandleCSV.parse(text, symbol: "X", timeframe: "1m")
        #expect(w.times == [1_704_067_200_000, 1_704_067_260_000])
        #expect(w.open == [100, 100.5])
        #expect(w.close == [100.5, 101.5])
        #expect(w.volume == [10, 11])
    }

    @Test func aQuotedFieldOverTwoLinesKeepsTheLineNumbersOfTheRowsAfterIt() {
        let text = "time,note,open,high,low,close\n1704067200,\"two\nlines\",100,101,99,100\n\n1704067260,x,100,abc,99,100\n"
        #expect {
            _ = try CandleCSV.parse(text, name: "c.csv", symbol: "X", timeframe: "1m")
        } throws: { error in
            (error as? StrategyError)?.message.hasPrefix("c.csv line 5: high 'abc'") == true
        }
    }

    @Test func aStrayQuoteIsATypedErrorNamingItsLine() {
        let text = "time,open,high,low,close\n1704067200,100,101,99,100\n1704067260,10\"0,101,99,100\n"
        #expect {
            _ = try CandleCSV.parse(text, name: "c.csv", symbol: "X", timeframe: "1m")
        } throws: { error in
            guard let e = error as? StrategyError else { return false }
            return e.code == .invalidInput && e.message.hasPrefix("c.csv line 3: malformed CSV quoting")
        }
    }
}
