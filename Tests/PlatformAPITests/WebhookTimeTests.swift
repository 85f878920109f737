import Foundation
@testable import PlatformAPI
import Testing

/// A webhook alert's time is read by the same parser as candle files (`EpochTime`).
@Suite struct WebhookTimeTests {
    @Test(arguments: [
        JSONValue.number(1_704_067_260), .number(1_704_067_260_000), .string("1704067260"), .string("2024-01-01T00:01:00Z"),
        .string("2024-01-01T00:01:00.000Z"), .string("2024-01-01 00:01:00"), .string("2024-01-01T01:01:00+01:00"),
    ])
    func everyFormOfTheAlertTimeIsTheSameInstant(value: JSONValue) throws {
        #expect(try PlatformAPI.alertTime(value) == 1_704_067_260_000)
    }

    @Test(arguments: [JSONValue.number(0), .number(-5), .string("soon"), .string(""), .bool(true), .null])
    func anythingElseIsAnInvalidTime(value: JSONValue) {
        #expect {
            _ = try PlatformAPI.alertTime(value)
        } throws: { error in
            guard let p = error as? Problem else { return false }
            return p.field == "time" && p.code == "invalid-input"
        }
    }
}
