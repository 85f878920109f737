import Foundation
import Hummingbird
import Platform
import StrategyRuntime

/// An RFC 9457 problem: every error the API returns is one, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The request field at fault (validation errors).
    public var field: String?
    /// A stable machine-readable code, e.g. `invalid-input`, `timeout`.
    public var code: String
    /// For a strategy that does not load: the line of its source at fault, when Python names one.
    public var line: Int?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil, code: String? = nil) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.field = field
        self.code = code ?? status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
    }

    public static func unauthorized(_ detail: String) -> Problem {
        var p = Problem(.unauthorized, detail)
        p.headers[.wwwAuthenticate] = "Bearer"
        return p
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail,
                                   "code": code, "instance": request.uri.path]
        if let field { body["field"] = field }
        if let line { body["line"] = line }
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem for any error a handler threw.
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let p as Problem: return p
        case let e as PlatformError where e.code == .storage:
            return nil  // logged by the responder; the client gets no internals
        case let e as PlatformError:
            let status: HTTPResponse.Status = switch e.code {
            case .invalidInput, .quotaExceeded, .lookAhead, .strategyFailed: .unprocessableContent
            case .notFound: .notFound
            case .conflict, .duplicateExecution: .conflict
            case .forbidden: .forbidden
            case .lockUnavailable: .serviceUnavailable
            case .unsupported: .notImplemented
            case .storage: .internalServerError  // not reached: handled above
            }
            return Problem(status, e.message, field: e.field, code: e.code.rawValue)
        case let e as StrategyError:
            // The strategy's own fault: its code does not load or broke a limit while loading.
            var p = Problem(.unprocessableContent, e.message, field: "source", code: e.code.description)
            p.line = e.line
            return p
        case let e as HTTPError:
            return Problem(e.status, e.body ?? e.status.reasonPhrase)
        default:
            return nil
        }
    }
}

/// Turns every error into a problem response; unknown errors become a 500 without internals.
struct ProblemResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    typealias Context = Wrapped.Context
    let wrapped: Wrapped

    func respond(to request: Request, context: Context) async throws -> Response {
        do {
            let response = try await wrapped.respond(to: request, context: context)
            // The router answers unmatched paths and methods with an empty body.
            if response.status.code >= 400, response.headers[.contentType] == nil {
                return try Problem(response.status, "no route for \(request.method) \(request.uri.path)").response(from: request, context: context)
            }
            return response
        } catch {
            let problem = Problem.from(error) ?? {
                context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                return Problem(.internalServerError, "internal error")
            }()
            return try problem.response(from: request, context: context)
        }
    }
}
