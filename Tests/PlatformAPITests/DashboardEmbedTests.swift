import Foundation
@testable import PlatformAPI
import Testing

/// The templates and assets served are the files in Sources/PlatformAPI/Dashboard (embedded by
/// scripts/embed-dashboard.sh), and every template parses and renders.
@Suite("Dashboard embedding")
struct DashboardEmbedTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/PlatformAPI/Dashboard").path

    static func files(_ sub: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/" + sub) {
            out[name] = try String(contentsOfFile: dir + "/" + sub + "/" + name, encoding: .utf8)
        }
        return out
    }

    @Test("the embedded templates are the template files: run scripts/embed-dashboard.sh after editing one")
    func templates() throws {
        let files = try Self.files("Templates")
        #expect(Set(files.keys.map { String($0.dropLast(".mustache".count)) }) == Set(EmbeddedTemplates.files.keys))
        for (name, text) in files {
            #expect(EmbeddedTemplates.files[String(name.dropLast(".mustache".count))].map { $0 + "\n" } == text,
                    "\(name) changed: run scripts/embed-dashboard.sh")
        }
    }

    @Test("the embedded assets are the asset files: run scripts/embed-dashboard.sh after editing one")
    func assets() throws {
        let files = try Self.files("Assets")
        #expect(Set(files.keys) == Set(EmbeddedAssets.files.keys))
        for (name, text) in files { #expect(EmbeddedAssets.files[name].map { $0 + "\n" } == text, "\(name) changed: run scripts/embed-dashboard.sh") }
    }

    @Test("every template parses and renders inside the layout with an empty context")
    func render() throws {
        let renderer = try PageRenderer(assets: AssetStore())
        let session = PageSession(user: nil, token: nil, csrf: "token-token-token-token-token-token", newCSRF: false)
        for name in EmbeddedTemplates.files.keys where name != "layout" {
            let html = renderer.render(name, [:], frame: .init(title: "T", session: session, section: "strategies"))
            #expect(html.hasPrefix("<!doctype html>") && html.contains("</html>"), "\(name)")
            #expect(!html.contains("{{"), "\(name) left a tag unrendered")
        }
        let paths = renderer.assets.versionedPaths
        #expect(paths["app_css"]?.hasPrefix("/assets/app.css?v=") == true && paths.count == EmbeddedAssets.files.count)
    }
}
