import Crypto
import Foundation

/// The signatures both exchanges ask for: hex HMAC-SHA256 of the exact bytes sent.
enum RequestSigning {
    /// Binance: `hex(HMAC-SHA256(secret, query ‖ body))`, the query string followed directly
    /// by the body with nothing between them.
    static func binance(query: String, body: String, secret: SymmetricKey) -> String {
        var mac = HMAC<SHA256>(key: secret)
        mac.update(data: Data(query.utf8))
        mac.update(data: Data(body.utf8))
        return hex(mac.finalize())
    }

    /// CoinDCX: `hex(HMAC-SHA256(secret, body))` over the exact JSON bytes sent.
    static func coindcx(body: [UInt8], secret: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: body, using: secret))
    }

    /// Lower-case hex of a MAC.
    static func hex(_ mac: HashedAuthenticationCode<SHA256>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return mac.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                for (i, b) in raw.enumerated() {
                    out[2 * i] = digits[Int(b >> 4)]
                    out[2 * i + 1] = digits[Int(b & 15)]
                }
                return raw.count * 2
            }
        }
    }

    /// Whether two hex signatures are equal, ignoring case (Binance's are case-insensitive), in
    /// time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= (x[i] | 0x20) ^ (y[i] | 0x20) }
        return diff == 0
    }
}

/// Form-encoded parameters in the order they are added, as Binance signs them.
struct FormParameters {
    private(set) var text = ""

    init() { text.reserveCapacity(256) }

    mutating func add(_ name: String, _ value: String) {
        if !text.isEmpty { text += "&" }
        text += name
        text += "="
        text += Self.escape(value)
    }

    mutating func add(_ name: String, _ value: Int64) { add(name, String(value)) }

    /// Percent-encodes everything but unreserved characters (RFC 3986), as ccxt's urlencode does.
    static func escape(_ s: String) -> String {
        if s.utf8.allSatisfy(isUnreserved) { return s }
        var out = ""
        for b in s.utf8 {
            if isUnreserved(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    @inline(__always)
    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Decimal text of prices and quantities: fixed point, never an exponent, as exchanges want them.
enum DecimalText {
    /// `x` with the decimals of `step` (8 when there is no step), trailing zeros removed.
    static func format(_ x: Double, step: Double) -> String {
        let decimals = step > 0 ? min(DecimalGrid.decimals(of: step) ?? 8, 12) : 8
        return format(x, decimals: decimals)
    }

    static func format(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return String(format: "%.\(decimals)f", x) }
        var units = UInt64(scaled)
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var written = 0
        var trailing = true
        while units > 0 || written <= decimals {
            let d = UInt8(units % 10)
            units /= 10
            if written < decimals {
                if !(trailing && d == 0) {
                    trailing = false
                    digits.append(0x30 + d)
                }
            } else {
                if written == decimals && !digits.isEmpty { digits.append(0x2E) }
                digits.append(0x30 + d)
            }
            written += 1
        }
        if x < 0 && scaled > 0 { digits.append(0x2D) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}
