import Foundation
import Hummingbird
@testable import PlatformAPI
import Testing

@Suite("API: OpenAPI document")
struct OpenAPITests {
    @Test("/openapi.json is OpenAPI 3.1 and lists exactly the router's routes, with every schema it references")
    func matchesRoutes() async throws {
        let h = try await APIHarness()
        let routes = Set(h.api.router().routes.map { r in
            "\(r.method.rawValue) " + r.path.components.map { "\($0)".hasPrefix(":") ? "{\("\($0)".dropFirst())}" : "\($0)" }
                .map { $0.hasPrefix("{") || $0.isEmpty ? $0 : $0 }.joined(separator: "/")
        }.map { $0.replacingOccurrences(of: " ", with: " /").replacingOccurrences(of: "//", with: "/") })
        try await h.run { c in
            let r = try await c.call(.get, "/openapi.json")
            #expect(r.status == 200)
            #expect(r["openapi"] as? String == "3.1.0")
            let paths = try #require(r["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, ops) in paths { for method in ops.keys { documented.insert("\(method.uppercased()) \(path)") } }
            #expect(documented == routes, "only documented: \(documented.subtracting(routes)); only routed: \(routes.subtracting(documented))")
            #expect(documented.count >= 25)
            #expect(documented.contains("POST /auth/register"))
            #expect(documented.contains("POST /api/strategies/{strategyId}/subscribe"))
            let schemas = try #require((r["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let refs = r.text.components(separatedBy: "#/components/schemas/").dropFirst().map { $0.prefix { $0.isLetter } }
            for ref in refs { #expect(schemas[String(ref)] != nil, "missing schema \(ref)") }
        }
    }
}
