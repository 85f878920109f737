import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body, as the dashboard's forms send them.
struct FormData: Sendable {
    private(set) var fields: [String: String] = [:]

    init(fields: [String: String]) {
        self.fields = fields
    }

    /// Parses `a=1&b=two+words`; a repeated name keeps its last value.
    init(encoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), !name.isEmpty else { continue }
            fields[name] = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
        }
    }

    /// Reads a form body (up to the API's body limit).
    static func read(_ request: Request, _ context: APIContext) async throws -> FormData {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return FormData(encoded: String(buffer: buffer))
    }

    subscript(name: String) -> String? { fields[name] }

    /// The trimmed value, nil when missing or blank.
    func text(_ name: String) -> String? {
        guard let v = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    /// A checkbox: present (any value but "false"/"off") means on.
    func flag(_ name: String) -> Bool {
        guard let v = fields[name] else { return false }
        return v != "false" && v != "off"
    }

    private static func decode(_ part: Substring) -> String? {
        String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
