import Foundation
import Platform
import StrategyRuntime

/// Writes the OpenAPI 3.1 document from `endpoints`, so the document and the routes cannot
/// drift apart (a test compares it with the router's routes as well).
extension PlatformAPI {
    func openAPIDocument() throws -> Data {
        var paths: [String: [String: Any]] = [:]
        for e in endpoints {
            var op: [String: Any] = ["summary": e.summary, "tags": [e.tag],
                                     "operationId": e.method.rawValue.lowercased() + e.path.split(separator: "/").map { part in
                                         part.hasPrefix("{") ? "By" + part.dropFirst().dropLast().capitalized : part.capitalized
                                     }.joined().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ".", with: "")]
            var parameters: [[String: Any]] = e.pathParameters.map { name in
                ["name": name, "in": "path", "required": true,
                 "schema": name == "token" || (name == "id" && e.path.hasPrefix("/api/credentials"))
                    ? ["type": "string", "minLength": 1, "maxLength": 128] : ["type": "integer", "format": "int64", "minimum": 1]]
            }
            for q in e.query {
                let schema: [String: Any] = switch q {
                case "limit": ["type": "integer", "minimum": 1, "maximum": 200, "default": 50]
                case "offset": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000, "default": 0]
                case "seconds": ["type": "integer", "minimum": 1, "maximum": 86_400]
                case "from": ["type": "string", "enum": ["start", "now"]]
                case "after": ["type": "string", "pattern": "^[sof][0-9]+(,[sof][0-9]+){0,2}$"]
                case "state": ["type": "string", "enum": ["open", "past", "all"], "default": "all"]
                default: ["type": "string"]
                }
                parameters.append(["name": q, "in": "query", "required": false, "schema": schema])
            }
            if !parameters.isEmpty { op["parameters"] = parameters }
            if e.auth { op["security"] = [["bearer": [String]()]] }
            if let body = e.body {
                op["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(body)"]]]]
            }
            var responses: [String: Any] = [:]
            var all = e.responses
            if e.body != nil { all[400] = "Problem"; all[413] = "Problem" }
            for (status, schema) in all.sorted(by: { $0.key < $1.key }) {
                var r: [String: Any] = ["description": Self.reason(status)]
                if let schema {
                    let type = schema == "Problem" ? "application/problem+json" : "application/json"
                    r["content"] = [type: ["schema": ["$ref": "#/components/schemas/\(schema)"]]]
                } else if status == 200 {
                    let type = e.path == "/metrics" ? "text/plain" : e.path == "/api/stream" ? "text/event-stream" : "application/json"
                    r["content"] = [type: ["schema": type == "application/json" ? ["type": "object"] : ["type": "string"]]]
                }
                responses[String(status)] = r
            }
            op["responses"] = responses
            paths[e.path, default: [:]][e.method.rawValue.lowercased()] = op
        }
        let doc: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "tradectl API", "version": "1.0.0",
                     "description": "Upload Python strategies, subscribe with your own sizing, follow signals, orders and fills."],
            "paths": paths,
            "components": ["schemas": Self.schemas.merging(Self.botSchemas) { a, _ in a }, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]]],
        ]
        return try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
    }

    static func reason(_ status: Int) -> String {
        [200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Malformed JSON", 401: "Missing or invalid token",
         403: "Not the owner", 404: "Not found (or not yours)", 409: "Conflict", 413: "Too large", 422: "Invalid field",
         429: "Too many requests", 503: "Unavailable"][status] ?? "Response"
    }

    static var schemas: [String: Any] {
        let int: [String: Any] = ["type": "integer", "format": "int64"]
        let num: [String: Any] = ["type": "number"]
        let str: [String: Any] = ["type": "string"]
        let bool: [String: Any] = ["type": "boolean"]
        func nullable(_ s: [String: Any]) -> [String: Any] { ["type": [s["type"] as? String ?? "string", "null"]] }
        func object(_ props: [String: Any], required: [String]? = nil) -> [String: Any] {
            ["type": "object", "properties": props, "required": required ?? Array(props.keys).sorted()]
        }
        func page(_ item: String) -> [String: Any] {
            object(["items": ["type": "array", "items": ["$ref": "#/components/schemas/\(item)"]], "total": int, "limit": int, "offset": int])
        }
        func list(_ item: String) -> [String: Any] { object(["items": ["type": "array", "items": ["$ref": "#/components/schemas/\(item)"]]]) }
        let timeframes = Timeframe.allCases.map(\.rawValue)
        let markets = MarketKind.allCases.map(\.rawValue)
        let strategyFields: [String: Any] = [
            "name": ["type": "string", "minLength": 1, "maxLength": 100], "description": ["type": "string", "maxLength": 2000],
            "source": ["type": "string", "minLength": 1, "description": "Python code defining main(df, ctx)"],
            "code": ["type": "string", "description": "The seed's name for source"],
            "symbols": ["type": "array", "minItems": 1, "items": ["type": "string", "pattern": "^[A-Za-z0-9]{2,20}$"]],
            "timeframe": ["type": "string", "enum": timeframes], "lookback": ["type": "integer", "minimum": 2, "maximum": 10000],
            "params": ["type": "object"], "kind": ["type": "string", "enum": ["code", "webhook"]],
            "maxLagSeconds": ["type": "integer", "minimum": 1, "maximum": 86400],
            "max_lag": ["type": "integer", "minimum": 1, "maximum": 86400, "description": "Seconds; the seed's name for maxLagSeconds"],
            "reference": object(["capital": ["type": "number", "exclusiveMinimum": 0, "maximum": 1e12],
                                 "market": ["type": "string", "enum": markets], "leverage": ["type": "number", "minimum": 1, "maximum": 125],
                                 "riskPerTrade": ["type": "number", "exclusiveMinimum": 0, "maximum": 1]], required: []),
        ]
        return [
            "Problem": object(["type": str, "title": str, "status": int, "detail": str, "code": str, "instance": str, "field": str, "line": int],
                              required: ["type", "title", "status", "detail"]),
            "Register": object(["email": ["type": "string", "format": "email"], "password": ["type": "string", "minLength": 8, "maxLength": 128],
                                "name": ["type": "string", "minLength": 1, "maxLength": 64]], required: ["email", "password"]),
            "Login": object(["email": str, "password": str]),
            "User": object(["id": int, "email": nullable(str), "name": str, "createdAt": int]),
            "Auth": object(["user": ["$ref": "#/components/schemas/User"], "token": str, "expiresIn": int]),
            "StrategyCreate": object(strategyFields, required: ["name", "symbols", "timeframe"]),
            "StrategyUpdate": object(strategyFields.filter { $0.key != "kind" }, required: []),
            "Strategy": object(["id": int, "name": str, "description": str, "ownerId": int, "kind": str, "version": int, "versionId": int,
                                "symbols": ["type": "array", "items": str], "timeframe": str, "lookback": int, "isolation": str,
                                "params": [String: Any](), "reference": object(["capital": num, "market": str, "leverage": num, "riskPerTrade": num]),
                                "activeSubscribers": int, "createdAt": int, "updatedAt": int, "maxLagSeconds": int,
                                "paused": bool, "pausedReason": nullable(str), "pausedAt": nullable(int), "source": str, "webhookToken": str,
                                "versions": ["type": "array", "items": object(["id": int, "version": int, "timeframe": str,
                                                                               "symbols": ["type": "array", "items": str]])]],
                               required: ["id", "name", "ownerId", "kind", "version", "symbols", "timeframe"]),
            "StrategyPage": page("Strategy"),
            "Subscribe": object(["capital": ["type": "number", "exclusiveMinimum": 0],
                                 "riskPerTrade": ["type": "number", "exclusiveMinimum": 0, "maximum": 1],
                                 "leverage": ["type": "number", "minimum": 1, "maximum": 125], "allowShort": bool,
                                 "brokerCredentialId": str, "market": ["type": "string", "enum": markets, "default": "futures"]],
                                required: ["capital", "riskPerTrade"]),
            "Subscription": object(["id": int, "strategyId": int, "capital": num, "riskPerTrade": num, "leverage": num, "allowShort": bool,
                                    "market": ["type": "string", "enum": markets], "brokerCredentialId": nullable(str), "status": ["type": "string", "enum": ["active", "paused", "cancelled"]],
                                    "createdAt": int], required: ["id", "strategyId", "capital", "riskPerTrade", "leverage", "allowShort", "status"]),
            "SubscriptionList": list("Subscription"),
            "Stats": object(["subscriptionId": int, "status": str, "trades": int, "winRate": num, "realisedPnl": num, "unrealisedPnl": num,
                             "returnPct": num, "maxDrawdownPct": num, "profitFactor": nullable(num)],
                            required: ["subscriptionId", "trades", "winRate", "realisedPnl", "unrealisedPnl", "returnPct", "maxDrawdownPct"]),
            "LiveActivity": object(["subscriptionId": int, "credentialId": nullable(str),
                                    "orders": ["type": "array", "items": object(["orderNo": int, "kind": ["type": "string", "enum": ["place", "cancel"]],
                                        "clientId": str, "outcome": ["type": "string", "enum": ["pending", "accepted", "rejected", "failed", "expired"]],
                                        "status": str, "reason": str, "exchangeState": nullable(str), "errorCode": nullable(str),
                                        "exchangeCode": nullable(int), "message": nullable(str)],
                                        required: ["orderNo", "kind", "clientId", "outcome", "status", "reason"])],
                                    "findings": ["type": "array", "items": object(["time": int, "disagreement": str, "resolution": str],
                                                                                  required: ["time", "disagreement", "resolution"])]],
                                   required: ["subscriptionId", "orders", "findings"]),
            "CredentialCreate": object(["broker": ["type": "string", "minLength": 1, "maxLength": 32], "label": ["type": "string", "maxLength": 100],
                                        "apiKey": ["type": "string", "minLength": 1, "maxLength": 512],
                                        "apiSecret": ["type": "string", "minLength": 1, "maxLength": 4096]],
                                       required: ["broker", "apiKey", "apiSecret"]),
            "Credential": object(["id": str, "broker": str, "label": str, "apiKeyHint": str, "createdAt": int]),
            "CredentialList": list("Credential"),
            "Execution": object(["id": int, "strategyVersionId": int, "symbol": str, "timeframe": str, "candleTime": int, "status": str,
                                 "errorMessage": nullable(str), "stdout": str, "stderr": str, "worker": nullable(str),
                                 "strategyMicros": nullable(int), "fanoutMicros": nullable(int), "commitMicros": nullable(int)],
                                required: ["id", "symbol", "candleTime", "status"]),
            "ExecutionPage": page("Execution"),
            "Signal": object(["id": int, "strategyId": int, "executionId": int, "candleTime": int, "symbol": str, "action": str,
                              "entryPrice": num, "stopLoss": nullable(num), "takeProfit": nullable(num)],
                             required: ["id", "strategyId", "symbol", "action", "entryPrice"]),
            "SignalPage": page("Signal"),
            "Order": object(["id": int, "subscriptionId": int, "executionId": int, "candleTime": int, "symbol": str, "side": str, "qty": num,
                             "price": ["type": "number", "description": "Average fill price (0 before a fill)"], "fee": num, "purpose": str,
                             "status": ["type": "string", "enum": ["new", "partially-filled", "filled", "cancelled", "rejected", "expired", "skipped"]],
                             "reason": nullable(str), "orderNo": nullable(int), "tag": nullable(str),
                             "type": ["type": "string", "enum": ["market", "limit", "stop"]], "limitPrice": nullable(num), "stopPrice": nullable(num),
                             "reduceOnly": bool, "filled": num, "updatedAt": nullable(int)],
                            required: ["id", "subscriptionId", "symbol", "side", "qty", "price", "status", "type", "reduceOnly", "filled"]),
            "OrderPage": page("Order"),
            "OrderTransition": object(["from": nullable(str), "to": str, "reason": str, "time": int], required: ["to", "reason", "time"]),
            "OrderDetail": object(["order": ["$ref": "#/components/schemas/Order"],
                                   "transitions": ["type": "array", "items": ["$ref": "#/components/schemas/OrderTransition"]]]),
            "Fill": object(["id": int, "subscriptionId": int, "executionId": int, "symbol": str, "orderNo": int, "tag": str, "side": str,
                            "price": num, "qty": num, "fee": num, "realisedPnl": num, "positionAfter": num, "maker": bool, "liquidation": bool,
                            "purpose": str, "time": int]),
            "FillPage": page("Fill"),
            "Balance": object(["free": num, "reserved": num]),
            "Account": object(["symbol": str, "market": ["type": "string", "enum": markets], "leverage": num,
                               "balances": object(["base": ["$ref": "#/components/schemas/Balance"], "quote": ["$ref": "#/components/schemas/Balance"]],
                                                  required: ["quote"]),
                               "position": object(["side": ["type": "string", "enum": ["long", "short"]], "qty": num, "entryPrice": num,
                                                   "leverage": num, "margin": num, "liquidationPrice": num],
                                                  required: ["side", "qty", "entryPrice", "leverage", "margin"]),
                               "realisedPnl": num, "fees": num, "startEquity": num, "updatedAt": int],
                              required: ["symbol", "market", "leverage", "balances", "realisedPnl", "fees", "startEquity", "updatedAt"]),
            "Accounts": object(["subscriptionId": int, "market": ["type": "string", "enum": markets], "leverage": num,
                                "accounts": ["type": "array", "items": ["$ref": "#/components/schemas/Account"]]]),
            "Position": object(["id": int, "subscriptionId": int, "symbol": str, "side": str, "qty": num, "entryPrice": num, "entryTime": int,
                                "status": str, "exitPrice": nullable(num), "exitTime": nullable(int), "pnl": nullable(num),
                                "returnPct": nullable(num), "exitReason": nullable(str)],
                               required: ["id", "subscriptionId", "symbol", "side", "qty", "entryPrice", "status"]),
            "PositionPage": page("Position"),
            "WebhookAlert": object(["action": ["type": "string", "enum": ["buy", "sell", "close", "long", "short", "exit", "flat"]],
                                    "symbol": ["type": "string", "pattern": "^[A-Za-z0-9]{2,20}$"], "price": ["type": "number", "exclusiveMinimum": 0],
                                    "time": ["type": ["number", "string"]], "stopLoss": num, "takeProfit": num],
                                   required: ["action", "symbol", "price"]),
            "WebhookResult": object(["strategyId": int, "executionId": nullable(int), "accepted": bool, "ordersFilled": int, "ordersSkipped": int],
                                    required: ["strategyId", "accepted", "ordersFilled", "ordersSkipped"]),
            "Health": object(["status": str, "uptimeSeconds": str]),
        ]
    }
}
