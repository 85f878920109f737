import Crypto
import Foundation

/// Deterministic client order ids: the same execution, subscription and leg always give the same
/// id, so a retry after a crash, a timeout or a 5xx finds the order instead of placing a second.
public enum ClientOrderID {
    /// `tc` and 32 hex digits of SHA-256("<execution key>|<subscription>|<leg>"): 34 characters
    /// of `[a-z0-9]`, within Binance's `^[\.A-Z\:/a-z0-9_-]{1,36}$` and CoinDCX's 36-character cap.
    ///
    /// - Parameters:
    ///   - key: the execution that decided the order.
    ///   - subscriptionID: whose order it is.
    ///   - leg: which of that subscriber's orders in the execution (the engine's order id in the
    ///     subscriber's account: unique and deterministic).
    public static func derive(key: ExecutionKey, subscriptionID: Int64, leg: Int64) -> String {
        let digest = SHA256.hash(data: Data("\(key.description)|\(subscriptionID)|\(leg)".utf8))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x74, 0x63]  // "tc"
        out.reserveCapacity(34)
        for b in digest.prefix(16) {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `id` is one this platform could have derived.
    public static func isDerived(_ id: String) -> Bool {
        id.utf8.count == 34 && id.hasPrefix("tc") && id.utf8.dropFirst(2).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
