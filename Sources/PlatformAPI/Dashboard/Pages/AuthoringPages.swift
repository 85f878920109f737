import Foundation
import Hummingbird
import Platform
import StrategyRuntime

extension Dashboard {
    var authoringRoutes: [Route] {
        [
            page(.get, "/strategies/new") { req in
                try self.html("editor", self.editorView(nil, fields: [:]), req, title: "New strategy", section: "new")
            },
            page(.post, "/strategies/new") { req in
                let (body, local) = Self.strategyBody(req.form, over: nil as EditBase?)
                if let local { return try self.editorError(nil, req, field: local.field, detail: local.detail) }
                let reply = try await self.bridge.call(.post, PlatformAPI.strategies, token: req.session.token, body: body, context: req.context)
                guard reply.ok, let id = reply.id else { return try self.editorError(nil, req, reply: reply) }
                return Self.redirect("/strategies/\(id)?notice=created")
            },
            page(.get, "/strategies/{id}/edit") { req in
                let s = try self.ownedStrategy(req)
                return try self.html("editor", self.editorView(s, fields: [:]), req, title: "Edit \(s.name)", section: "strategies")
            },
            page(.post, "/strategies/{id}/edit") { req in
                let s = try self.ownedStrategy(req)
                let (body, local) = Self.strategyBody(req.form, over: EditBase(s))
                if let local { return try self.editorError(s, req, field: local.field, detail: local.detail) }
                let reply = try await self.bridge.call(.put, PlatformAPI.strategies + "/\(s.id)", token: req.session.token, body: body,
                                                       context: req.context)
                guard reply.ok else { return try self.editorError(s, req, reply: reply) }
                return Self.redirect("/strategies/\(s.id)?notice=updated")
            },
            page(.post, "/strategies/{id}/delete") { req in
                let id = try req.id("id")
                let reply = try await self.bridge.call(.delete, PlatformAPI.strategies + "/\(id)", token: req.session.token, context: req.context)
                guard reply.ok else { throw Problem(.init(code: reply.status), reply.problem?.detail ?? "could not delete") }
                return Self.redirect("/strategies?notice=deleted")
            },
        ]
    }

    /// The strategy of the path, which the signed-in user must own (403 otherwise, as the API).
    func ownedStrategy(_ req: PageRequest) throws -> StrategySummary {
        let s = try db.strategySummary(id: try req.id("id"), viewer: req.user)
        guard s.ownerID == req.user else { throw Problem(.forbidden, "strategy \(s.id) belongs to another user") }
        return s
    }

    /// The editor's fields: the form as sent, else the strategy's newest version, else defaults.
    func editorView(_ s: StrategySummary?, fields: [String: String]) -> [String: Any] {
        let spec = s?.version.spec
        let timeframe = fields["timeframe"] ?? spec?.timeframe.rawValue ?? "1m"
        let kind = fields["kind"] ?? s?.kind.rawValue ?? "code"
        return [
            "editing": s != nil, "id": s?.id ?? 0, "action": s.map { "/strategies/\($0.id)/edit" } ?? "/strategies/new",
            "name": fields["name"] ?? s?.name ?? "", "description": fields["description"] ?? s?.description ?? "",
            "source": fields["source"] ?? spec?.source ?? Self.starterSource,
            "symbols": fields["symbols"] ?? spec?.symbols.joined(separator: ", ") ?? "BTCUSDT",
            "lookback": fields["lookback"] ?? spec.map { String($0.lookback) } ?? "200",
            "params": fields["params"] ?? spec?.params ?? "{}",
            "timeframes": Timeframe.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == timeframe] },
            "webhook": kind == "webhook", "kindLocked": s != nil,
            "maxSourceKiB": api.options.maxSourceBytes / 1024,
        ]
    }

    func editorError(_ s: StrategySummary?, _ req: PageRequest, reply: APIBridge.Reply) throws -> Response {
        try editorError(s, req, field: reply.problem?.field, detail: reply.problem?.detail ?? "the strategy was not saved",
                        code: reply.problem?.code, line: reply.problem?.line, status: .init(code: reply.status))
    }

    /// The editor again, with what was sent and the error beside its field; a load error also
    /// marks its line in the code.
    func editorError(_ s: StrategySummary?, _ req: PageRequest, field: String?, detail: String, code: String? = nil, line: Int? = nil,
                     status: HTTPResponse.Status = .unprocessableContent) throws -> Response {
        var view = editorView(s, fields: req.form.fields)
        view["error"] = detail
        view["errorCode"] = code ?? "invalid-input"
        view["errorField"] = [field ?? "form": true]
        if field == "source", let line = line ?? Self.errorLine(detail) { view["errorLine"] = line }
        return try html("editor", view, req, title: s.map { "Edit \($0.name)" } ?? "New strategy",
                     section: s == nil ? "new" : "strategies", status: status)
    }

    /// The last "line N" a Python error message names (when the problem has no `line`).
    static func errorLine(_ detail: String) -> Int? {
        var found: Int?
        var rest = Substring(detail)
        while let r = rest.range(of: "line ") {
            rest = rest[r.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            if let n = Int(digits), n > 0 { found = n }
        }
        return found
    }

    /// The API body of an editor form; over an existing strategy, only what changed (so an
    /// unchanged spec makes no new version). A field that cannot be sent is a local error.
    /// What an edit form changes: the strategy's name, description, kind and newest spec.
    struct EditBase {
        var name: String
        var description: String
        var kind: StrategyKind
        var spec: StrategyVersionSpec

        init(name: String, description: String, kind: StrategyKind, spec: StrategyVersionSpec) {
            self.name = name
            self.description = description
            self.kind = kind
            self.spec = spec
        }

        init(_ s: StrategySummary) {
            self.init(name: s.name, description: s.description, kind: s.kind, spec: s.version.spec)
        }
    }

    static func strategyBody(_ form: FormData, over s: EditBase?) -> (body: [String: Any], error: (field: String, detail: String)?) {
        var body: [String: Any] = [:]
        let spec = s?.spec
        let name = form["name"] ?? ""
        if s == nil || name != s?.name { body["name"] = name }
        let description = form["description"] ?? ""
        if s == nil || description != s?.description { body["description"] = description }
        if s == nil { body["kind"] = form["kind"] == "webhook" ? "webhook" : "code" }
        let source = (form["source"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        if (s == nil && form["kind"] != "webhook") || (s?.kind == .code && source != spec?.source) { body["source"] = source }
        let symbols = (form["symbols"] ?? "").split { $0 == "," || $0.isWhitespace }.map { String($0).uppercased() }
        if symbols != spec?.symbols { body["symbols"] = symbols }
        let timeframe = form["timeframe"] ?? ""
        if timeframe != spec?.timeframe.rawValue { body["timeframe"] = timeframe }
        guard let lookback = Int((form["lookback"] ?? "").trimmingCharacters(in: .whitespaces)) else {
            return (body, ("lookback", "lookback must be a whole number of candles"))
        }
        if lookback != spec?.lookback { body["lookback"] = lookback }
        let paramsText = (form["params"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let params: Any
        do {
            params = try JSONSerialization.jsonObject(with: Data((paramsText.isEmpty ? "{}" : paramsText).utf8), options: [.fragmentsAllowed])
        } catch {
            return (body, ("params", "params is not valid JSON"))
        }
        let current = spec.flatMap { try? JSONSerialization.jsonObject(with: Data($0.params.utf8), options: [.fragmentsAllowed]) }
        if let current = current as? NSObject, let sent = params as? NSObject, current.isEqual(sent) {} else { body["params"] = params }
        return (body, nil)
    }

    static let starterSource = """
        import pandas as pd


        def main(data, ctx=None):
            \"\"\"Called once per candle close; the last row of `data` is the candle that just closed.\"\"\"
            fast = data["close"].rolling(10).mean()
            slow = data["close"].rolling(30).mean()
            if fast.iloc[-2] <= slow.iloc[-2] and fast.iloc[-1] > slow.iloc[-1]:
                return {"action": "BUY"}
            if fast.iloc[-2] >= slow.iloc[-2] and fast.iloc[-1] < slow.iloc[-1]:
                return {"action": "SELL"}
            return None
        """
}
