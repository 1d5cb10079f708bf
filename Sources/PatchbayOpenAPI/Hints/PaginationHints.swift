import PatchbayCore

/// Recognises how list operations page (Link header, cursor, next link in the body, page number, offset) from
/// their query parameters, response headers and response schema, and suggests `api.pagination` from the style
/// most list operations share.
enum PaginationHints {
    struct OperationStyle: Equatable {
        var pagination: APISettings.Pagination
    }

    private static let cursorParameters = [
        "starting_after", "cursor", "after", "next_token", "nexttoken", "page_token", "pagetoken", "continuation", "continue", "marker",
        "next_cursor", "nextcursor",
    ]
    private static let pageParameters = ["page", "page_number", "pagenumber", "pagenum"]
    private static let offsetParameters = ["offset", "skip", "start", "startindex", "start_index"]
    private static let sizeParameters = [
        "per_page", "perpage", "page_size", "pagesize", "limit", "count", "size", "max", "maxresults", "max_results", "top", "\u{24}top", "pagelen",
    ]
    private static let nextLinkKeys = ["next", "next_url", "nextUrl", "nextLink", "next_link", "@odata.nextLink", "next_page_url", "nextPageUrl"]
    private static let cursorKeys = [
        "next_cursor", "nextCursor", "next_page_token", "nextPageToken", "nextToken", "next_token", "continue", "cursor", "nextPage", "next_page",
    ]
    private static let resultKeys = ["data", "items", "results", "values", "records", "entries", "list", "elements", "objects", "value"]

    /// The paging style of one operation, or nil when it does not page.
    static func style(of operation: APIDocument.Operation, in document: APIDocument, parameters: [SourceNode]) -> OperationStyle? {
        guard operation.method == "get" else { return nil }
        let resolver = document.references
        var query: [String: String] = [:]
        var sizeDefaults: [String: SourceNode] = [:]
        for parameter in parameters where parameter["in"]?.string == "query" {
            guard let name = parameter["name"]?.string else { continue }
            query[name.lowercased()] = name
            if let schema = parameter["schema"] { sizeDefaults[name] = resolver.resolve(schema).node }
        }
        let response = successResponse(operation.node, resolver: resolver)
        let schema = response.flatMap { jsonSchema(of: $0, resolver: resolver) }
        let resultsKey = schema.flatMap { arrayProperty(of: $0, resolver: resolver) }
        let returnsList = schema.map { isArray($0, resolver: resolver) } == true || resultsKey != nil
        let sizeParam = sizeParameters.lazy.compactMap { query[$0] }.first

        var pagination: APISettings.Pagination
        if let headers = response?["headers"]?.members, headers.contains(where: { $0.key.lowercased() == "link" }), returnsList || !query.isEmpty {
            pagination = APISettings.Pagination(type: .link)
            pagination.linkLocation = "header"
            pagination.headerName = "Link"
            pagination.headerRel = "next"
        } else if let after = cursorParameters.lazy.compactMap({ query[$0] }).first,
            returnsList || schema.flatMap({ cursorPath(in: $0, resolver: resolver) }) != nil
        {
            pagination = APISettings.Pagination(type: .pointer)
            pagination.afterParam = after
            if let path = schema.flatMap({ cursorPath(in: $0, resolver: resolver) }) {
                pagination.pointerPath = path
            } else if let resultsKey {
                // Stripe style: the next page starts after the last item's id.
                pagination.pointerPath = "$.\(resultsKey)[-1].id"
            }
        } else if let key = schema.flatMap({ nextLinkKey(in: $0, resolver: resolver) }), returnsList {
            pagination = APISettings.Pagination(type: .link)
            pagination.linkLocation = "body"
            pagination.nextPageKey = key
        } else if let page = pageParameters.lazy.compactMap({ query[$0] }).first, returnsList {
            pagination = APISettings.Pagination(type: .page)
            pagination.pageParam = page
        } else if let offset = offsetParameters.lazy.compactMap({ query[$0] }).first, returnsList {
            pagination = APISettings.Pagination(type: .index)
            pagination.indexParam = offset
        } else {
            return nil
        }
        pagination.resultsKey = resultsKey
        if let sizeParam {
            pagination.pageSizeParam = sizeParam
            let sizeSchema = sizeDefaults[sizeParam]
            let preferred = sizeSchema?["default"]?.number ?? sizeSchema?["maximum"]?.number ?? 100
            // The document's number: clamped as a Double first, since Int() traps on NaN, infinities and past Int.
            let clamped = preferred.isFinite ? min(max(preferred, 1), Double(APISettings.Pagination.maximumPageSize)) : 100
            pagination.defaultPageSize = Int(clamped)
        }
        pagination.pageLimit = APISettings.Pagination.maximumPageLimit
        return OperationStyle(pagination: pagination)
    }

    /// The document's most common style among its list operations.
    static func suggest(_ styles: [OperationStyle]) -> APISettings.Pagination {
        guard !styles.isEmpty else { return APISettings.Pagination(type: .none) }
        var counts: [String: (count: Int, first: Int, style: OperationStyle)] = [:]
        for (index, style) in styles.enumerated() {
            var key = style.pagination
            key.resultsKey = nil
            key.defaultPageSize = nil
            let text = "\(key)"
            if let existing = counts[text] {
                counts[text] = (existing.count + 1, existing.first, existing.style)
            } else {
                counts[text] = (1, index, style)
            }
        }
        let best = counts.values.max { lhs, rhs in lhs.count != rhs.count ? lhs.count < rhs.count : lhs.first > rhs.first }!
        var pagination = best.style.pagination
        // The results key most of that style's operations use.
        var keys: [String: Int] = [:]
        for style in styles where style.pagination.type == pagination.type {
            if let key = style.pagination.resultsKey { keys[key, default: 0] += 1 }
        }
        pagination.resultsKey = keys.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        return pagination
    }

    static func successResponse(_ operation: SourceNode, resolver: ReferenceResolver) -> SourceNode? {
        guard let responses = operation["responses"]?.members else { return nil }
        let chosen = responses.first { $0.key.hasPrefix("2") } ?? responses.first { $0.key == "default" }
        return chosen.map { resolver.resolve($0.value).node }
    }

    /// The schema of a response's JSON content (or its first content).
    static func jsonSchema(of response: SourceNode, resolver: ReferenceResolver) -> SourceNode? {
        guard let content = response["content"]?.members, !content.isEmpty else { return nil }
        let media = content.first { $0.key.hasPrefix("application/json") || $0.key.hasSuffix("+json") } ?? content[0]
        return media.value["schema"].map { resolver.resolve($0).node }
    }

    private static func isArray(_ schema: SourceNode, resolver: ReferenceResolver) -> Bool {
        SchemaRules.types(of: resolver.resolve(schema).node)?.contains("array") == true
    }

    private static func properties(of schema: SourceNode, resolver: ReferenceResolver) -> [SourceNode.Member] {
        var members = schema["properties"]?.members ?? []
        for part in schema["allOf"]?.items ?? [] {
            members += resolver.resolve(part).node["properties"]?.members ?? []
        }
        return members
    }

    static func arrayProperty(of schema: SourceNode, resolver: ReferenceResolver) -> String? {
        let arrays = properties(of: schema, resolver: resolver).filter { isArray($0.value, resolver: resolver) }.map(\.key)
        return resultKeys.first { arrays.contains($0) } ?? (arrays.count == 1 ? arrays[0] : nil)
    }

    /// A JSONPath to the next cursor in the response, looking one level into nested objects
    /// (Slack's `response_metadata.next_cursor`).
    private static func cursorPath(in schema: SourceNode, resolver: ReferenceResolver) -> String? {
        let members = properties(of: schema, resolver: resolver)
        if let key = cursorKeys.first(where: { key in members.contains { $0.key == key } }) { return "$.\(key)" }
        for member in members {
            let nested = properties(of: resolver.resolve(member.value).node, resolver: resolver)
            if let key = cursorKeys.first(where: { key in nested.contains { $0.key == key } }) { return "$.\(member.key).\(key)" }
        }
        return nil
    }

    private static func nextLinkKey(in schema: SourceNode, resolver: ReferenceResolver) -> String? {
        let members = properties(of: schema, resolver: resolver)
        if let key = nextLinkKeys.first(where: { key in members.contains { $0.key == key } }) { return key }
        for member in members where member.key == "links" || member.key == "_links" || member.key == "pagination" || member.key == "meta" {
            let nested = properties(of: resolver.resolve(member.value).node, resolver: resolver)
            if let key = nextLinkKeys.first(where: { key in nested.contains { $0.key == key } }) { return "\(member.key).\(key)" }
        }
        return nil
    }
}
