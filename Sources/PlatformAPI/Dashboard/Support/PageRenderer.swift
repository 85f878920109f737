import Crypto
import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Renders pages: a Mustache template of the page's content inside `layout`, both from the
/// templates embedded in the binary (`EmbeddedTemplates`).
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let assets: AssetStore

    /// - Throws: a Mustache parse error naming the template (a test renders every one).
    init(assets: AssetStore) throws {
        var library = MustacheLibrary()
        for (name, text) in EmbeddedTemplates.files {
            do {
                try library.register(text, named: name)
            } catch {
                throw DashboardError("template \(name) does not parse: \(error)")
            }
        }
        self.library = library
        self.assets = assets
    }

    /// What every page shows around its content.
    struct Frame {
        var title: String
        var session: PageSession
        var userName: String?
        /// The nav entry to mark current: strategies, subscriptions, bots, credentials, new.
        var section: String
        /// Loads live.js (pages that update from the event stream).
        var live = false
        /// A one-line message shown above the content (after a redirect).
        var notice: String?
    }

    /// The page's full HTML: `content` rendered with `template` inside the layout.
    func render(_ template: String, _ content: [String: Any], frame: Frame) -> String {
        var context = Self.pruned(content)
        context["csrf"] = frame.session.csrf
        context["signedIn"] = frame.session.signedIn
        let body = library.render(context, withTemplate: template) ?? "template \(template) is missing"
        let layout: [String: Any] = [
            "title": frame.title, "content": body, "csrf": frame.session.csrf, "signedIn": frame.session.signedIn,
            "userName": frame.userName ?? "", "nav": [frame.section: true], "live": frame.live, "notice": frame.notice ?? "",
            "asset": assets.versionedPaths,
        ]
        return library.render(Self.pruned(layout), withTemplate: "layout") ?? body
    }

    /// `context` without empty strings: Mustache treats any string as true in `{{#name}}`, so a
    /// blank value would open its section.
    static func pruned(_ context: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        out.reserveCapacity(context.count)
        for (key, value) in context {
            switch value {
            case let s as String where s.isEmpty: continue
            case let d as [String: Any]: out[key] = pruned(d)
            case let a as [[String: Any]]: out[key] = a.map(pruned)
            default: out[key] = value
            }
        }
        return out
    }
}

/// A dashboard setup error (templates that do not parse).
struct DashboardError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The dashboard's static files (CSS, JavaScript, icon), embedded in the binary, each served at
/// `/assets/NAME?v=HASH` with a long cache life and an ETag.
struct AssetStore: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
        var hash: String
    }

    let files: [String: Asset]

    init(files source: [String: String] = EmbeddedAssets.files) {
        var files: [String: Asset] = [:]
        for (name, text) in source {
            let digest = SHA256.hash(data: Data(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
            let type = switch name.split(separator: ".").last {
            case "css": "text/css; charset=utf-8"
            case "js": "text/javascript; charset=utf-8"
            case "svg": "image/svg+xml"
            default: "application/octet-stream"
            }
            files[name] = Asset(body: ByteBuffer(string: text), contentType: type, hash: digest)
        }
        self.files = files
    }

    /// `name-with-dots-as-underscores` → `/assets/name?v=hash`, for templates (`{{asset.app_css}}`).
    var versionedPaths: [String: String] {
        var out: [String: String] = [:]
        for (name, a) in files { out[name.replacingOccurrences(of: ".", with: "_")] = "/assets/\(name)?v=\(a.hash)" }
        return out
    }

    /// Total bytes of the named assets (the page-weight benchmark).
    func bytes(_ names: [String]) -> Int { names.reduce(0) { $0 + (files[$1]?.body.readableBytes ?? 0) } }
}
