import Foundation
import Hummingbird
import PatchbayCore

/// How values read on the page.
enum Formatting {
    static func time(_ millis: Int64?) -> String {
        guard let millis else { return "Never" }
        let text = Timestamp.format(millis)
        // 2026-12-01T10:23:38.123Z → 2026-12-01 10:23:38 UTC
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func scopes(_ scopes: [Scope]) -> String { scopes.map(\.rawValue).joined(separator: ", ") }
}

/// A table's sorting: which column, which way, and the header links that change it.
struct TableSort {
    var field: String
    var descending: Bool

    init(_ request: Request, allowed: [String], default field: String, descending: Bool) {
        let asked = request.uri.queryParameters["sort"].map(String.init) ?? ""
        let name = asked.hasPrefix("-") ? String(asked.dropFirst()) : asked
        if allowed.contains(name) {
            self.field = name
            self.descending = asked.hasPrefix("-")
        } else {
            self.field = field
            self.descending = descending
        }
    }

    var order: PatchbayCore.SortOrder { PatchbayCore.SortOrder(field: field, descending: descending) }
    var parameter: String { (descending ? "-" : "") + field }

    /// A header cell: its link flips the order of its column; `aria-sort` marks the sorted one.
    func header(_ label: String, _ field: String, base: String, query: [String: String]) -> [String: Any] {
        let next = self.field == field && !descending ? "-" + field : field
        var parameters = query.filter { $0.key != "cursor" && $0.key != "sort" }
        parameters["sort"] = next
        var cell: [String: Any] = ["label": label, "href": base + Self.query(parameters)]
        if self.field == field { cell["ariaSort"] = descending ? "descending" : "ascending" }
        return cell
    }

    static func query(_ parameters: [String: String]) -> String {
        let pairs = parameters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key)=\(FormData.encode($0.value))" }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }
}

extension Formatting {
    /// Indented JSON for reading (keys sorted, slashes unescaped).
    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// A JSON text re-indented for reading when it parses, else as it is (bounded, for the page's sake).
    static func prettyText(_ text: String, limit: Int = 64 * 1024) -> String {
        let clipped = text.utf8.count > limit ? String(decoding: Array(text.utf8.prefix(limit)), as: UTF8.self) + "\n… (truncated)" : text
        guard text.utf8.count <= limit, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return clipped }
        return pretty(value)
    }

    static func headers(_ headers: [String: String]) -> [[String: String]] {
        headers.sorted { $0.key.lowercased() < $1.key.lowercased() }.map { ["name": $0.key, "value": $0.value] }
    }

    /// Shell-quoted for a POSIX shell: single quotes, with embedded single quotes closed and escaped.
    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
