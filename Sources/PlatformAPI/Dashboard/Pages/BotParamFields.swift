import Foundation
import Platform

/// One parameter of a bot as the create form asks for it (the bots' Python checks the values).
struct BotParamField: Sendable {
    enum Input: Sendable {
        case number, integer, flag, text
        case choice([String])
    }

    let name: String
    let label: String
    let input: Input
    let hint: String

    init(_ name: String, _ label: String, _ input: Input = .number, _ hint: String = "") {
        self.name = name
        self.label = label
        self.input = input
        self.hint = hint
    }

    /// The form's name of this field for bots of `kind`: each kind has its own set.
    static func formName(_ kind: BotKind, _ name: String) -> String { "p.\(kind.rawValue).\(name)" }
}

extension BotParamField {
    private static let range = [BotParamField("lower", "Lower price", .number, "range bottom"), BotParamField("upper", "Upper price", .number, "range top"),
                                BotParamField("levels", "Levels", .integer, "price lines, 3–200"),
                                BotParamField("spacing", "Spacing", .choice(["arithmetic", "geometric"]))]
    private static let deal = [
        BotParamField("baseOrder", "Base order", .number, "quote"), BotParamField("safetyOrder", "Safety order", .number, "quote; default: the base order"),
        BotParamField("maxSafetyOrders", "Max safety orders", .integer, "0–50"),
        BotParamField("activeSafetyOrders", "Active safety orders", .integer, "resting at once"),
        BotParamField("deviation", "Deviation", .number, "fraction, 0.01 = 1 %"), BotParamField("stepScale", "Step scale", .number, "0–10"),
        BotParamField("volumeScale", "Volume scale", .number, "0–10"),
        BotParamField("takeProfit", "Take-profit", .number, "fraction of the average entry"),
        BotParamField("trailingDeviation", "Trailing deviation", .number, "optional fraction, below the take-profit"),
        BotParamField("stopLoss", "Stop-loss", .number, "optional fraction below the average entry"),
        BotParamField("cooldown", "Cooldown", .integer, "candles between deals"),
        BotParamField("start", "Deals start", .choice(["immediate", "signal"])),
        BotParamField("strategy", "Signal strategy", .text, "its id, with deals started by its BUY signals"),
        BotParamField("reinvest", "Reinvest profit", .flag),
    ]
    private static let direction = BotParamField("direction", "Direction", .choice(["long", "short"]))
    private static let leverage = BotParamField("leverage", "Leverage", .number, "1–125")

    /// The parameters of `kind` the form shows, in order (README's bots table; the investment is
    /// a field of its own).
    static func fields(_ kind: BotKind) -> [BotParamField] {
        switch kind {
        case .grid:
            range + [BotParamField("trailingUp", "Trail up", .flag), BotParamField("stopLoss", "Stop-loss", .number, "optional price"),
                     BotParamField("takeProfit", "Take-profit", .number, "optional price")]
        case .btd:
            range + [BotParamField("trailingDown", "Trail down", .flag), BotParamField("floor", "Floor", .number, "optional price below the range"),
                     BotParamField("stopLoss", "Stop-loss", .number, "optional price"), BotParamField("takeProfit", "Take-profit", .number, "optional price")]
        case .dca: deal
        case .dcaFutures: [direction, leverage] + deal
        case .loop:
            [BotParamField("entry", "Entry price", .number, "optional; default the start close"),
             BotParamField("gap", "Gap", .number, "fraction, at least 0.005"), BotParamField("orders", "Orders", .integer, "even, 10–40"),
             BotParamField("profitCurrency", "Profit in", .choice(["quote", "base"])),
             BotParamField("takeProfit", "Take-profit", .number, "optional fraction of the investment")]
        case .combo:
            [direction, BotParamField("lower", "Lower price", .number, "optional"), BotParamField("upper", "Upper price", .number, "optional"),
             BotParamField("step", "Step", .number, "fraction, 0.001–0.02"), BotParamField("levels", "Orders", .integer, "10–40"), leverage,
             BotParamField("takeProfit", "Take-profit", .number, "optional price"),
             BotParamField("stopLoss", "Stop-loss", .number, "optional trailing fraction")]
        }
    }

    /// The parameters of a bot of `kind` from the form's fields: empty fields are left out (the
    /// bot's defaults apply), an unticked flag is false.
    ///
    /// - Returns: the params object, or the field (its parameter name) that does not parse.
    static func params(_ kind: BotKind, from form: [String: String]) -> Result<[String: Any], BotForm.FieldProblem> {
        var out: [String: Any] = [:]
        for f in fields(kind) {
            let raw = (form[formName(kind, f.name)] ?? "").trimmingCharacters(in: .whitespaces)
            switch f.input {
            case .flag:
                if !raw.isEmpty { out[f.name] = true }
            case .number, .integer:
                guard !raw.isEmpty else { continue }
                let text = raw.replacingOccurrences(of: ",", with: "")
                if case .integer = f.input, let n = Int(text) {
                    out[f.name] = n
                } else if case .number = f.input, let x = Double(text), x.isFinite {
                    out[f.name] = x
                } else {
                    let what = if case .integer = f.input { "a whole number" } else { "a number" }
                    return .failure(BotForm.FieldProblem(field: f.name, detail: "\(f.label) must be \(what), got '\(raw)'"))
                }
            case .text, .choice:
                if !raw.isEmpty { out[f.name] = raw }
            }
        }
        return .success(out)
    }

    /// The template's view of every kind's fields: `values` fill the chosen kind's fields (the
    /// form as posted), `examples` the others'; `invalid` marks the field in error.
    static func sets(chosen: BotKind, values: [String: String]?, examples: (BotKind) -> [String: Any], invalid: String?) -> [[String: Any]] {
        BotKind.allCases.map { kind in
            let example = examples(kind)
            let fields = fields(kind).map { f -> [String: Any] in
                let name = formName(kind, f.name)
                let value = kind == chosen ? values?[name] ?? example[f.name].map(display) ?? "" : example[f.name].map(display) ?? ""
                var row: [String: Any] = ["name": name, "id": "p-\(kind.rawValue)-\(f.name)", "label": f.label, "hint": f.hint, "value": value,
                                          "invalid": kind == chosen && invalid == f.name]
                switch f.input {
                case .number, .integer: row["number"] = true
                case .text: row["text"] = true
                case .flag: row["flag"] = true; row["checked"] = !value.isEmpty && value != "false"
                case .choice(let options):
                    row["isChoice"] = true
                    row["options"] = options.map { ["value": $0, "selected": $0 == value || (value.isEmpty && $0 == options[0])] }
                }
                return row
            }
            return ["kind": kind.rawValue, "selected": kind == chosen, "fields": fields]
        }
    }

    /// A JSON value as a form field shows it.
    private static func display(_ v: Any) -> String {
        if let n = v as? NSNumber {
            if String(cString: n.objCType) == "c" { return n.boolValue ? "on" : "" }  // a JSON true or false
            return Format.qty(n.doubleValue)
        }
        return "\(v)"
    }
}
