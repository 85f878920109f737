/// A client tag: 1–36 characters of `[A-Za-z0-9_.:-]` (the order contract's tags).
///
/// Held inline in five words, so orders, fills and intents are plain values: copying one is a
/// memory copy (no reference counting), and comparing two tags is five integer comparisons. The
/// fan-out copies and compares tags for every subscriber's every order.
public struct OrderTag: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Bytes 0–35 are the characters, little-endian within each word; byte 39 is the length.
    private let w0, w1, w2, w3, w4: UInt64

    /// The tag of a liquidation's fill.
    public static let liquidation: OrderTag = "liquidation"

    /// The longest tag.
    public static let maxLength = 36

    /// - Returns: nil unless `text` is 1–36 characters of `[A-Za-z0-9_.:-]`.
    public init?(_ text: String) {
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        var count = 0
        for byte in text.utf8 {
            guard count < Self.maxLength, Self.allowed(byte) else { return nil }
            let shift = UInt64((count % 8) * 8)
            switch count / 8 {
            case 0: words.0 |= UInt64(byte) << shift
            case 1: words.1 |= UInt64(byte) << shift
            case 2: words.2 |= UInt64(byte) << shift
            case 3: words.3 |= UInt64(byte) << shift
            default: words.4 |= UInt64(byte) << shift
            }
            count += 1
        }
        guard count > 0 else { return nil }
        (w0, w1, w2, w3) = (words.0, words.1, words.2, words.3)
        w4 = words.4 | UInt64(count) << 56
    }

    /// A tag from a literal; the literal must be a valid tag.
    public init(stringLiteral value: String) {
        guard let tag = OrderTag(value) else { preconditionFailure("\"\(value)\" is not a valid order tag") }
        self = tag
    }

    /// Whether `byte` may appear in a tag.
    @inline(__always)
    static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// The number of characters.
    public var count: Int { Int(w4 >> 56) }

    /// The characters as UTF-8 bytes (all ASCII).
    public var utf8: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let word = i < 8 ? w0 : i < 16 ? w1 : i < 24 ? w2 : i < 32 ? w3 : w4
            out.append(UInt8(truncatingIfNeeded: word >> UInt64((i % 8) * 8)))
        }
        return out
    }

    public var description: String { String(decoding: utf8, as: UTF8.self) }
}
