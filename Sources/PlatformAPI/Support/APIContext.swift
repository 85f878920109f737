import Foundation
import Hummingbird
import NIOCore

/// The request context: who is calling from where, and the body size limit.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address (rate limits key on it); "local" in router tests.
    public let clientAddress: String
    public var maxUploadSize: Int { APIContext.maxBodyBytes }

    /// Largest request body accepted, in bytes; larger ones get 413.
    public static let maxBodyBytes = 1 << 20

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}

/// Reading bodies and query parameters, with errors that name the field.
enum Input {
    /// Decodes a JSON body. Malformed JSON is 400; a missing or mistyped field is 422 naming it.
    static func body<T: Decodable>(_ type: T.Type, _ request: Request, _ context: APIContext) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw Problem(.badRequest, "the request needs a JSON body") }
        let data = Data(buffer.readableBytesView)
        if let field = nulField(data) {
            throw Problem(.unprocessableContent, "'\(field)' must not contain a NUL byte", field: field, code: "invalid-input")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw Problem(.unprocessableContent, "missing field '\(path(ctx.codingPath + [key]))'", field: path(ctx.codingPath + [key]), code: "invalid-input")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            throw Problem(.unprocessableContent, "field '\(path(ctx.codingPath))' has the wrong type: \(ctx.debugDescription)",
                          field: path(ctx.codingPath), code: "invalid-input")
        } catch let DecodingError.dataCorrupted(ctx) where ctx.codingPath.isEmpty {
            throw Problem(.badRequest, "the body is not valid JSON")  // a syntax error: nothing was decoded
        } catch let DecodingError.dataCorrupted(ctx) {
            throw Problem(.unprocessableContent, "field '\(path(ctx.codingPath))': \(ctx.debugDescription)", field: path(ctx.codingPath),
                          code: "invalid-input")
        }
    }

    /// The path of the first string (or key) holding a NUL byte, which the database would cut
    /// short: object keys joined by dots, array items named by their array (`symbols`). Bodies
    /// without the escape `\u0000` (or a raw NUL) are not parsed a second time.
    static func nulField(_ data: Data) -> String? {
        guard data.contains(0) || data.range(of: Data(#"\u0000"#.utf8)) != nil,
              let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return nil }
        func find(_ v: JSONValue, _ path: [String]) -> [String]? {
            switch v {
            case .string(let s): return s.utf8.contains(0) ? path : nil
            case .array(let items):
                for item in items { if let p = find(item, path) { return p } }  // the field, as its other errors name it
            case .object(let fields):
                for key in fields.keys.sorted() {
                    if key.utf8.contains(0) { return path + [key] }
                    if let p = find(fields[key]!, path + [key]) { return p }
                }
            case .null, .bool, .number: break
            }
            return nil
        }
        return find(value, []).map { $0.isEmpty ? "body" : $0.joined(separator: ".") }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// A positive integer path parameter; anything else is 404 (no such row).
    static func id(_ context: APIContext, _ name: String) throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw Problem(.notFound, "no such \(name)")
        }
        return id
    }

    /// `limit` (1–200, default 50) and `offset` (≥ 0, default 0).
    static func paging(_ request: Request) throws -> (limit: Int, offset: Int) {
        let q = request.uri.queryParameters
        var limit = 50, offset = 0
        if let l = q["limit"] {
            guard let v = Int(String(l)), (1...200).contains(v) else { throw Problem(.unprocessableContent, "limit must be 1–200", field: "limit", code: "invalid-input") }
            limit = v
        }
        if let o = q["offset"] {
            guard let v = Int(String(o)), v >= 0, v <= 1_000_000_000 else { throw Problem(.unprocessableContent, "offset must be ≥ 0", field: "offset", code: "invalid-input") }
            offset = v
        }
        return (limit, offset)
    }
}

/// Encodes a response body as JSON.
struct JSONBody {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: try bytes(value)))
    }

    static func bytes(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try encoder.encode(value))
    }
}
