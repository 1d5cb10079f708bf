import PatchbayConnectors
import PatchbayCore

/// An action run as the console shows it: the answer, the pages read (with the items each yielded and where the
/// next one was), and the last response's headers and body, each capped so a large API answer stays a small page.
enum RunResults {
    static let maxBodyCharacters = 20_000
    static let itemsShownPerPage = 3

    static func model(_ result: ActionRunResult) -> [String: Any] {
        var model: [String: Any] = [
            "status": result.status, "ok": (200..<300).contains(result.status), "pages": result.pages, "requests": result.requests,
            "stopReason": result.stopReason ?? "", "resultCount": result.results.map { "\($0.count)" } ?? "",
            "headers": result.response.headers.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
            "body": capped(Formatting.pretty(result.response.body)), "trace": [[String: Any]](),
        ]
        if let trace = result.trace {
            model["trace"] = trace.enumerated().map { index, page -> [String: Any] in
                [
                    "number": index + 1, "method": page.method, "url": page.url, "status": page.status,
                    "itemCount": page.items.map { "\($0.count) items" } ?? "items not found (check the results key)",
                    "items": (page.items ?? []).prefix(itemsShownPerPage).map { capped(Formatting.pretty($0), to: 2_000) },
                    "next": page.next ?? "",
                ]
            }
        }
        return model
    }

    /// Errors a run or check answers with that belong on the page beside its form (bad input, a refused state, an
    /// API that could not be reached), rather than an error page.
    static func isShownBesideTheForm(_ error: PatchbayError) -> Bool {
        [.validation, .conflict, .badGateway, .gatewayTimeout, .malformed].contains(error.kind)
    }

    static func capped(_ text: String, to limit: Int = maxBodyCharacters) -> String {
        text.count > limit ? String(text.prefix(limit)) + "\n… (cut at \(limit) characters)" : text
    }

    /// Credentials typed in a form: only the non-empty known fields.
    static func credentials(_ form: FormData) -> ConnectorCredentials {
        func value(_ name: String) -> String? { (form[name] ?? "").isEmpty ? nil : form[name] }
        return ConnectorCredentials(
            apiKey: value("apiKey"), username: value("username"), password: value("password"), clientId: value("clientId"),
            clientSecret: value("clientSecret"))
    }

    /// An action's input from a run form: `p.<name>` fields for its parameters, `body` as JSON.
    static func input(_ form: FormData, for definition: ActionDefinition) throws -> ActionInput {
        var parameters: [String: JSONValue] = [:]
        for parameter in definition.parameters {
            guard let text = form["p.\(parameter.name)"], !text.isEmpty else { continue }
            // Numbers and booleans typed into a field are sent as such when the schema says so.
            switch parameter.schema?["type"]?.stringValue {
            case "integer": parameters[parameter.name] = Int64(text).map(JSONValue.int) ?? .string(text)
            case "number": parameters[parameter.name] = Double(text).flatMap { $0.isFinite ? JSONValue.double($0) : nil } ?? .string(text)
            case "boolean": parameters[parameter.name] = text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
            default: parameters[parameter.name] = .string(text)
            }
        }
        var body: JSONValue?
        if let text = form["body"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard let parsed = JSONText.decode(Array(text.utf8)) else { throw PatchbayError.invalid("/body", "is not valid JSON") }
            body = parsed
        }
        return ActionInput(parameters: parameters, body: body)
    }

    /// The run form's fields for `definition`'s parameters, with what was typed.
    static func parameterFields(_ definition: ActionDefinition, form: FormData?) -> [[String: Any]] {
        definition.parameters.map { parameter -> [String: Any] in
            [
                "name": parameter.name, "field": "p.\(parameter.name)", "id": "p-\(parameter.location.rawValue)-\(parameter.name)",
                "location": parameter.location.rawValue, "required": parameter.required, "description": parameter.description ?? "",
                "type": parameter.schema?["type"]?.stringValue ?? "", "value": form?["p.\(parameter.name)"] ?? "",
            ]
        }
    }
}
