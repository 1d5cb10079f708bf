import PatchbayCore

/// Keyset ("seek") pagination shared by every list: ordered by a whitelisted column with the identifier as
/// tie-breaker, so pages stay stable while rows are inserted, and each page costs one index range scan.
struct KeysetPagination {
    /// API field name → column name. Only these may appear in ORDER BY.
    let columns: [String: String]

    func page<Item: Sendable>(
        on driver: any DatabaseDriver,
        select: SQLQuery,
        request: ListRequest,
        decode: (SQLRow) throws -> Item
    ) async throws -> Page<Item> {
        guard let column = columns[request.sort.field] else {
            throw PatchbayError.invalidParameter("sort", "cannot sort by \(request.sort.field)")
        }
        var query = select
        if let search = request.search, !search.isEmpty {
            query = query + " AND search_text LIKE \(Self.likePattern(search)) ESCAPE '\\'"
        }
        let (comparison, direction) = request.sort.descending ? ("<", "DESC") : (">", "ASC")
        if let cursor = request.cursor {
            let value: SQLValue =
                switch cursor.value {
                case .text(let text): .text(text)
                case .integer(let number): .integer(number)
                }
            query =
                query
                + " AND (\(unsafeRaw: column) \(unsafeRaw: comparison) \(value) OR (\(unsafeRaw: column) = \(value) AND id \(unsafeRaw: comparison) \(cursor.id)))"
        }
        query = query + " ORDER BY \(unsafeRaw: column) \(unsafeRaw: direction), id \(unsafeRaw: direction) LIMIT \(request.limit + 1)"
        var rows = try await driver.query(query)
        var next: String?
        if rows.count > request.limit {
            rows.removeLast()
            if let last = rows.last {
                let value: Cursor.Value =
                    switch last.value(column) {
                    case .integer(let number): .integer(number)
                    case .text(let text): .text(text)
                    default: .text("")
                    }
                next = Cursor(sort: request.sort.description, value: value, id: try last.string("id")).encoded()
            }
        }
        return Page(items: try rows.map(decode), nextCursor: next)
    }

    /// `%term%` with LIKE's wildcards escaped, so a search for `50%_off` matches literally.
    static func likePattern(_ search: String) -> String {
        "%" + escapeLike(search.lowercased()) + "%"
    }

    /// Matches an organization path and everything below it.
    static func prefixPattern(_ path: OrganizationPath) -> String {
        escapeLike(path.value) + "%"
    }

    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// Lower-cased text that `search` matches against (lowered in Swift, so both stores agree on Unicode).
func searchText(_ parts: String?...) -> String {
    parts.compactMap { $0?.lowercased() }.joined(separator: "\n")
}
