import Crypto
import Foundation
@testable import Platform
import Testing

@Suite struct SigningTests {
    /// Binance's official example (rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order").
    @Test func binanceOfficialTestVector() {
        let secret = SymmetricKey(data: Data("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j".utf8))
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        #expect(RequestSigning.binance(query: query, body: "", secret: secret) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
        // Mixed query and body: the query followed directly by the body, nothing between them.
        #expect(RequestSigning.binance(query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                                       body: "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559", secret: secret)
                == "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77")
    }

    @Test func coindcxSignsTheExactBodyBytes() {
        let secret = SymmetricKey(data: Data("s3cr3t".utf8))
        var json = CompactJSON()
        json.add("side", string: "buy")
        json.add("total_quantity", number: "0.01")
        json.add("timestamp", 1_700_000_000_000)
        let body = json.finished()
        #expect(String(decoding: body, as: UTF8.self) == #"{"side":"buy","total_quantity":0.01,"timestamp":1700000000000}"#)
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: secret).map { String(format: "%02x", $0) }.joined()
        #expect(RequestSigning.coindcx(body: body, secret: secret) == mac)
        #expect(RequestSigning.coindcx(body: body + [0x20], secret: secret) != mac)
    }

    @Test func clientOrderIDsAreDeterministicAndFitBothExchanges() {
        let key = ExecutionKey(versionID: 1, symbol: "BTCUSDT", timeframe: "1h", candleTime: 1_700_000_000_000)
        let a = ClientOrderID.derive(key: key, subscriptionID: 42, leg: 3)
        #expect(a == ClientOrderID.derive(key: key, subscriptionID: 42, leg: 3))
        #expect(a != ClientOrderID.derive(key: key, subscriptionID: 42, leg: 4))
        #expect(a != ClientOrderID.derive(key: key, subscriptionID: 43, leg: 3))
        #expect(a.count <= 36 && a.range(of: #"^[\.A-Z\:/a-z0-9_-]{1,36}$"#, options: .regularExpression) != nil)
        #expect(ClientOrderID.isDerived(a) && !ClientOrderID.isDerived("x-R4BD3S82abc"))
    }

    @Test func decimalsAreFixedPointOnTheGrid() {
        #expect(DecimalText.format(0.00012, step: 0.00001) == "0.00012")
        #expect(DecimalText.format(30_000.5, step: 0.01) == "30000.5")
        #expect(DecimalText.format(1e-8, step: 1e-8) == "0.00000001")
        #expect(DecimalText.format(12, step: 1) == "12")
        #expect(DecimalText.format(0, step: 0.1) == "0")
    }

    @Test func credentialsNeverPrintTheirSecret() throws {
        let c = try ExchangeCredentials(venue: .binanceSpot, apiKey: "AKEYAKEYAKEY", secret: "TOPSECRETVALUE")
        for text in [c.description, String(reflecting: c), "\(c)", { var s = ""; dump(c, to: &s); return s }()] {
            #expect(!text.contains("TOPSECRET") && !text.contains("AKEYAKEY"))
        }
        #expect(throws: ExchangeError.self) { try ExchangeCredentials(venue: .coindcx, apiKey: "", secret: "x") }
    }
}
