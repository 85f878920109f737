import Foundation
import Platform
import StrategyRuntime

// Request bodies. Decoding names the missing or mistyped field (Input.body); range checks here
// name theirs too.

struct RegisterBody: Decodable {
    var email: String
    var password: String
    var name: String?

    func validated() throws -> RegisterBody {
        guard (8...128).contains(password.count) else {
            throw Problem(.unprocessableContent, "password must be 8–128 characters", field: "password", code: "invalid-input")
        }
        return self
    }
}

struct LoginBody: Decodable {
    var email: String
    var password: String
}

/// A strategy upload. `source` (or `code`, the seed's name) holds the Python.
struct StrategyBody: Decodable {
    var name: String?
    var description: String?
    var source: String?
    var code: String?
    var symbols: [String]?
    var timeframe: String?
    var lookback: Int?
    var params: JSONValue?
    var kind: StrategyKind?
    var maxLagSeconds: Int?
    /// The seed's name for maxLagSeconds.
    var max_lag: Int?
    /// The strategy's reference account (ORDERS.md): what `ctx.account` shows and what
    /// subscribers mirror, scaled by capital.
    var reference: ReferenceBody?

    var python: String? { source ?? code }

    /// The version spec of a new strategy (all required fields present) or of an update
    /// (nil when nothing of the spec changed), over `base`.
    func spec(over base: StrategyVersionSpec?, kind: StrategyKind, maxSourceBytes: Int) throws -> StrategyVersionSpec? {
        if let python, python.utf8.count > maxSourceBytes {
            throw Problem(.contentTooLarge, "source is \(python.utf8.count) bytes; the limit is \(maxSourceBytes)", field: "source")
        }
        if base != nil, python == nil, symbols == nil, timeframe == nil, lookback == nil, params == nil, reference == nil { return nil }
        let tf: Timeframe
        if let text = timeframe {
            guard let parsed = Timeframe(rawValue: text) else {
                throw Problem(.unprocessableContent, "timeframe must be one of \(Timeframe.allCases.map(\.rawValue).joined(separator: ", "))",
                              field: "timeframe", code: "invalid-input")
            }
            tf = parsed
        } else if let base {
            tf = base.timeframe
        } else {
            throw Problem(.unprocessableContent, "missing field 'timeframe'", field: "timeframe", code: "invalid-input")
        }
        let code: String
        switch (python, base, kind) {
        case (let p?, _, .code): code = p
        case (nil, let b?, _): code = b.source
        case (_, nil, .webhook): code = "# webhook strategy: signals arrive at POST /webhooks/{token}\n"
        default: throw Problem(.unprocessableContent, "missing field 'source'", field: "source", code: "invalid-input")
        }
        guard let symbols = symbols ?? base?.symbols else {
            throw Problem(.unprocessableContent, "missing field 'symbols'", field: "symbols", code: "invalid-input")
        }
        if let params, case .object = params {} else if params != nil {
            throw Problem(.unprocessableContent, "params must be a JSON object", field: "params", code: "invalid-input")
        }
        let ref = reference?.spec(over: base?.reference ?? ReferenceSpec()) ?? base?.reference ?? ReferenceSpec()
        _ = try ref.terms()  // names reference.capital, reference.leverage or reference.riskPerTrade
        return StrategyVersionSpec(source: code, params: params.map { $0.jsonText } ?? base?.params ?? "{}",
                                   symbols: try SymbolGrammar.normalized(symbols), timeframe: tf, lookback: lookback ?? base?.lookback ?? 200,
                                   isolation: .process, reference: ref)
    }
}

/// A strategy's reference account; what is left out keeps its current (or default) value.
struct ReferenceBody: Decodable {
    var capital: Double?
    var market: MarketKind?
    var leverage: Double?
    var riskPerTrade: Double?

    func spec(over base: ReferenceSpec) -> ReferenceSpec {
        ReferenceSpec(capital: capital ?? base.capital, market: market ?? base.market, leverage: leverage ?? base.leverage,
                      riskPerTrade: riskPerTrade ?? base.riskPerTrade)
    }
}

struct SubscribeBody: Decodable {
    var capital: Double
    var riskPerTrade: Double
    var leverage: Double?
    var allowShort: Bool?
    var brokerCredentialId: String?
    /// Where the subscriber's orders go: futures (the default) or spot.
    var market: MarketKind?
}

struct CredentialBody: Decodable {
    var broker: String
    var label: String?
    var apiKey: String
    var apiSecret: String
}

/// A TradingView-style alert. `time` is epoch seconds or milliseconds, or ISO 8601; without it
/// the alert counts as sent now.
struct WebhookBody: Decodable {
    var action: String
    var symbol: String
    var price: Double
    var time: JSONValue?
    var stopLoss: Double?
    var takeProfit: Double?
}

/// Any JSON value, kept as it came (strategy params).
enum JSONValue: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    var jsonText: String { String(decoding: (try? JSONBody.encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self) }

    static func parse(_ text: String) -> JSONValue {
        if text == "{}" { return .object([:]) }
        return (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
    }
}
