import Foundation
import PatchbayCore

/// The OpenAPI 3.1 description of the whole API, built from `APIOperation.all`.
enum APIDocument {
    static func build(operations: [APIOperation] = APIOperation.all) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            var item: [String: JSONValue] = [:]
            if case .object(let members)? = paths[operation.path] { item = members }
            item[operation.method.rawValue.lowercased()] = describe(operation)
            paths[operation.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Patchbay",
                "version": "0.1.0",
                "description": "Self-hosted integrations server: integration users and tokens, outbound and inbound webhooks, API connectors.",
            ],
            "servers": [["url": "/"]],
            "security": [["bearer": []]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": .object(schemas),
            ],
        ]
    }

    static func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(build())) ?? Data()
    }

    private static func describe(_ operation: APIOperation) -> JSONValue {
        var parameters: [JSONValue] = operation.pathParameters.map { name in
            ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
        }
        for parameter in operation.query {
            switch parameter {
            case .query(let name, let description, let schema):
                parameters.append(["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema])
            case .header(let name, let description, let schema):
                parameters.append(["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": schema])
            case .path: break
            }
        }
        var responses: [String: JSONValue] = [:]
        if let schema = operation.responseSchema {
            let body: JSONValue =
                operation.isList
                ? [
                    "type": "object", "required": ["data", "nextCursor"],
                    "properties": ["data": ["type": "array", "items": schema], "nextCursor": ["type": ["string", "null"]]],
                ]
                : schema
            responses[String(operation.successStatus)] = [
                "description": "Success",
                "content": [.init(stringLiteral: operation.responseMediaType): ["schema": body]],
            ]
        } else {
            responses[String(operation.successStatus)] = ["description": "Success"]
        }
        for (status, response) in operation.otherResponses { responses[status] = response }
        for status in problemStatuses(operation) {
            responses[String(status)] = [
                "description": .string(problemDescriptions[status] ?? "Problem"),
                "content": ["application/problem+json": ["schema": APIOperation.ref("Problem")]],
            ]
        }
        var result: [String: JSONValue] = [
            "operationId": .string(operation.id),
            "summary": .string(operation.summary),
            "tags": [.string(operation.tag)],
            "responses": .object(responses),
        ]
        if !parameters.isEmpty { result["parameters"] = .array(parameters) }
        if operation.isPublic { result["security"] = [] }
        if let scope = operation.scope { result["x-required-scope"] = .string(scope.rawValue) }
        if let request = operation.requestSchema {
            var content: [String: JSONValue] = [:]
            for mediaType in operation.requestMediaTypes {
                content[mediaType] = ["schema": mediaType == "application/json" ? APIOperation.ref(request) : ["type": "string"]]
            }
            result["requestBody"] = ["required": .bool(operation.requestRequired), "content": .object(content)]
        }
        return .object(result)
    }

    /// The problem statuses an operation answers: those its shape implies, and its own (`APIOperation.problems`).
    /// A token: 401, 429 (rate limit), 503 (database unreachable); a scope or admin rule: 403; a path parameter: 404;
    /// a body: 400, 413, 415, 422; query or header parameters: 422.
    static func problemStatuses(_ operation: APIOperation) -> [Int] {
        var statuses = Set(operation.problems)
        if !operation.isPublic {
            statuses.formUnion([401, 429, 503])
            if operation.scope != nil { statuses.insert(403) }
        }
        if !operation.pathParameters.isEmpty { statuses.insert(404) }
        if operation.requestSchema != nil { statuses.formUnion([400, 413, 415, 422]) }
        if !operation.query.isEmpty { statuses.insert(422) }
        return statuses.sorted()
    }

    private static let problemDescriptions: [Int: String] = [
        400: "Malformed request (the body is not JSON, or is empty)",
        401: "No token, or an unknown, expired or revoked one",
        403: "The token lacks the scope (or is not an admin token where one is needed)",
        404: "Not found, or not reachable with this token",
        409: "Conflict with the current state",
        413: "The body is over the size limit",
        415: "The body's media type is not accepted",
        422: "Validation failed: unknown fields, wrong types or values (errors name the pointer or parameter)",
        429: "Rate limited; see Retry-After",
        502: "The remote endpoint failed or answered something unusable",
        503: "The database is unavailable; see Retry-After",
        504: "The remote endpoint did not answer in time",
    ]
}
