import Foundation

/// A value a swept parameter takes: an integer when every number of its range is written as
/// one, else a double.
public enum SweepValue: Sendable, Equatable, CustomStringConvertible {
    /// A value of a range written in integers (JSON integer in `ctx.params`).
    case int(Int)
    /// A value of a range with a decimal or exponent anywhere in it.
    case double(Double)

    /// The value as a double, whichever it is.
    public var number: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }

    /// As the ranked table and the heat map show it.
    public var description: String {
        switch self {
        case .int(let i): return "\(i)"
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        }
    }

    var json: Any {
        switch self {
        case .int(let i): return NSNumber(value: i)
        case .double(let d): return NSNumber(value: d)
        }
    }
}

/// One swept parameter and its values, in order.
public struct SweepParameter: Sendable, Equatable {
    /// The key set in `ctx.params`.
    public var name: String
    /// From start to stop, in steps.
    public var values: [SweepValue]
}

/// What `--sweep` takes: `name=start:stop:step` parts separated by commas (`fast=5:30:5,slow=20:100:10`);
/// `start:stop` steps by 1 and a lone number is a fixed value. The stop is included when the
/// steps land on it.
public struct SweepSpec: Sendable, Equatable {
    /// In the order the spec names them.
    public var parameters: [SweepParameter]

    /// The most combinations a sweep may have, and values one parameter may take.
    public static let maxCombinations = 10_000
    public static let maxValues = 1_000

    /// - Throws: `PlatformError.invalidInput` whose message quotes the part at fault and whose
    ///   `field` names it: `sweep` (empty), `sweep.<name>` (no `=`, a bad or repeated name),
    ///   `sweep.<name>.start|stop|step` (not a finite number, a step ≤ 0, a stop before the
    ///   start, too many values), or `sweep` again when the combinations pass the limit.
    public init(parsing text: String) throws(PlatformError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PlatformError(.invalidInput, "the sweep is empty: give name=start:stop:step parts separated by commas, e.g. fast=5:30:5,slow=20:100:10",
                                field: "sweep")
        }
        var parameters: [SweepParameter] = []
        for (index, part) in parts.enumerated() {
            let parameter = try Self.parameter(part, index: index)
            if parameters.contains(where: { $0.name == parameter.name }) {
                throw PlatformError(.invalidInput, "sweep part \(index + 1) '\(part)': parameter '\(parameter.name)' is swept twice",
                                    field: "sweep.\(parameter.name)")
            }
            parameters.append(parameter)
        }
        let total = parameters.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
        guard total <= Self.maxCombinations else {
            throw PlatformError(.invalidInput, "the sweep has \(total) combinations (\(parameters.map { "\($0.name): \($0.values.count)" }.joined(separator: " × "))); "
                                + "at most \(Self.maxCombinations)", field: "sweep")
        }
        self.parameters = parameters
    }

    /// Every combination, the first parameter varying slowest.
    public var combinations: [[SweepValue]] {
        parameters.reduce([[]]) { combos, p in combos.flatMap { c in p.values.map { c + [$0] } } }
    }

    /// `base` (a JSON object) with the combination's values set.
    ///
    /// - Throws: `PlatformError.invalidInput` (field `params`) when `base` is not a JSON object.
    public func paramsJSON(_ combination: [SweepValue], base: String) throws(PlatformError) -> String {
        guard let data = base.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data),
              var params = object as? [String: Any] else {
            throw PlatformError(.invalidInput, "--params must be a JSON object, got \(base)", field: "params")
        }
        for (p, v) in zip(parameters, combination) { params[p.name] = v.json }
        guard let out = try? JSONSerialization.data(withJSONObject: params, options: [.sortedKeys]) else {
            throw PlatformError(.invalidInput, "the parameters cannot be written as JSON", field: "params")
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func parameter(_ part: String, index: Int) throws(PlatformError) -> SweepParameter {
        let label = "sweep part \(index + 1) '\(part)'"
        guard let eq = part.firstIndex(of: "=") else {
            throw PlatformError(.invalidInput, "\(label): expected name=start:stop:step", field: part.isEmpty ? "sweep" : "sweep.\(part)")
        }
        let name = part[..<eq].trimmingCharacters(in: .whitespaces)
        guard let head = name.unicodeScalars.first, CharacterSet.letters.contains(head) || head == "_",
              name.unicodeScalars.allSatisfy({ ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "_" }) else {
            throw PlatformError(.invalidInput, "\(label): the name '\(name)' is not a parameter name (letters, digits, _; not first a digit)",
                                field: "sweep.\(name)")
        }
        let fields = part[part.index(after: eq)...].split(separator: ":", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count <= 3 else {
            throw PlatformError(.invalidInput, "\(label): expected start:stop:step, got \(fields.count) fields", field: "sweep.\(name)")
        }
        let roles = ["start", "stop", "step"]
        var numbers: [Double] = []
        for (role, f) in zip(roles, fields) {
            guard let v = Double(f), v.isFinite else {
                throw PlatformError(.invalidInput, "\(label): the \(role) '\(f)' is not a finite number", field: "sweep.\(name).\(role)")
            }
            numbers.append(v)
        }
        let integral = fields.allSatisfy { Int($0).map { abs($0) <= 1 << 50 } ?? false }  // small enough that start + i × step cannot overflow
        let start = numbers[0], stop = numbers.count > 1 ? numbers[1] : numbers[0], step = numbers.count > 2 ? numbers[2] : 1
        guard step > 0 else { throw PlatformError(.invalidInput, "\(label): the step must be > 0", field: "sweep.\(name).step") }
        guard stop >= start else {
            throw PlatformError(.invalidInput, "\(label): the stop \(fields[1]) is below the start \(fields[0])", field: "sweep.\(name).stop")
        }
        let count = Int(((stop - start) / step + 1e-9).rounded(.down)) + 1
        guard count <= maxValues else {
            throw PlatformError(.invalidInput, "\(label): \(count) values; at most \(maxValues) per parameter", field: "sweep.\(name).step")
        }
        let values: [SweepValue] = (0..<count).map { i in
            integral ? .int(Int(start) + i * Int(step)) : .double(start + Double(i) * step)
        }
        return SweepParameter(name: name, values: values)
    }
}
