import StrategyRuntime
import Testing

/// The one time parser that candle files, webhook alerts and exchange payloads share.
@Suite struct EpochTimeTests {
    @Test(arguments: [
        "2024-01-01T00:01:00Z", "2024-01-01T00:01:00", "2024-01-01 00:01:00", "2024-01-01 00:01", "2024-01-01T00:01:00.000Z",
        "2024-01-01T01:01:00+01:00", "2024-01-01T01:01:00+0100", "2023-12-31T23:31:00-00:30", "1704067260", "1704067260000",
        "1704067260000000", "1704067260000000000", "1704067260.0",
    ])
    func everyFormReadsTheSameInstant(text: String) {
        #expect(EpochTime.milliseconds(text: text) == 1_704_067_260_000, "\(text)")
    }

    @Test func fractionsKeepTheirMillisecondsAndDatesAreMidnightUTC() {
        #expect(EpochTime.milliseconds(text: "2024-01-01T00:01:00.1239Z") == 1_704_067_260_123)
        #expect(EpochTime.milliseconds(text: "2024-02-29") == 1_709_164_800_000)
        #expect(EpochTime.milliseconds(text: "1969-12-31T23:59:59Z") == -1000)
    }

    @Test(arguments: ["", "yesterday", "2024-13-01", "2024-01-32", "2024-01-01T24:00", "2024-01-01T00:01:00Zjunk", "-1704067260",
                      "1e9", "2024-01-01T00:01:00.Z", "nan"])
    func otherTextIsNoTime(text: String) {
        #expect(EpochTime.milliseconds(text: text) == nil, "\(text)")
    }

    @Test func epochNumbersByMagnitude() {
        #expect(EpochTime.milliseconds(epoch: 1_704_067_260) == 1_704_067_260_000)
        #expect(EpochTime.milliseconds(epoch: 1_704_067_260.5) == 1_704_067_260_500)
        #expect(EpochTime.milliseconds(epoch: 1_704_067_260_000) == 1_704_067_260_000)
        #expect(EpochTime.milliseconds(epoch: -1) == nil)
        #expect(EpochTime.milliseconds(epoch: .infinity) == nil)
    }

    @Test func isoStringRoundTrips() {
        for ms: Int64 in [1_704_067_260_000, 1_704_067_260_123, 0] {
            #expect(EpochTime.milliseconds(text: EpochTime.isoString(ms)) == ms)
        }
        #expect(EpochTime.isoString(1_704_067_260_000) == "2024-01-01T00:01:00Z")
    }
}
