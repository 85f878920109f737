/// The one grammar of trading symbols: 2–20 ASCII capital letters or digits, nothing else (no
/// separators, so `"BTCUSDT,ETHUSDT"` is an error, never two symbols). Every place a symbol enters
/// (API bodies, webhooks, the CLI) checks it here.
public enum SymbolGrammar {
    public static let pattern = "^[A-Z0-9]{2,20}$"

    /// Whether `symbol` matches `pattern`.
    public static func isValid(_ symbol: String) -> Bool {
        let bytes = symbol.utf8
        return (2...20).contains(bytes.count) && bytes.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `symbol` upper-cased (input may be lower case), checked.
    ///
    /// - Throws: `PlatformError.invalidInput` naming `field` when it does not match `pattern`.
    public static func normalized(_ symbol: String, field: String = "symbol") throws(PlatformError) -> String {
        // Upper-case ASCII only: "ß".uppercased() is "SS", which must not turn into a valid symbol.
        let upper = String(decoding: symbol.utf8.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) ? $0 - 32 : $0 }, as: UTF8.self)
        guard isValid(upper) else {
            let shown = symbol.count > 40 ? String(symbol.prefix(40)) + "…" : symbol
            throw PlatformError(.invalidInput, "symbol \(shown.debugDescription) must match \(pattern) (letters and digits, no separators)",
                                field: field)
        }
        return upper
    }

    /// Every symbol of a list, checked, with no repeats.
    public static func normalized(_ symbols: [String], field: String = "symbols") throws(PlatformError) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for s in symbols {
            let n = try normalized(s, field: field)
            guard seen.insert(n).inserted else { throw PlatformError(.invalidInput, "symbol \(n) is listed twice", field: field) }
            out.append(n)
        }
        return out
    }
}
