import Foundation

/// How a list is ordered: a whitelisted field and a direction. Parsed from `sort=name` / `sort=-name`.
public struct SortOrder: Sendable, Equatable {
    public var field: String
    public var descending: Bool

    public init(field: String, descending: Bool) {
        self.field = field
        self.descending = descending
    }

    /// Parses `sort` against the fields a resource allows; 422 naming the allowed ones otherwise.
    public static func parse(_ text: String?, allowed: [String], default defaultField: String = "createdAt") throws -> SortOrder {
        guard let text, !text.isEmpty else { return SortOrder(field: defaultField, descending: false) }
        let descending = text.hasPrefix("-")
        let field = descending ? String(text.dropFirst()) : text
        guard allowed.contains(field) else {
            throw PatchbayError.invalidParameter("sort", "must be one of \(allowed.joined(separator: ", ")), optionally prefixed with -")
        }
        return SortOrder(field: field, descending: descending)
    }

    public var description: String { (descending ? "-" : "") + field }
}

/// A position in a keyset-paginated list: the sort value and identifier of the last row returned.
public struct Cursor: Sendable, Equatable, Codable {
    public enum Value: Sendable, Equatable, Codable {
        case text(String)
        case integer(Int64)
    }

    public var sort: String
    public var value: Value
    public var id: String

    public init(sort: String, value: Value, id: String) {
        self.sort = sort
        self.value = value
        self.id = id
    }

    /// Opaque to clients: base64url of a small JSON document.
    public func encoded() -> String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a cursor and checks it was made for the same ordering; 422 otherwise.
    public static func decode(_ text: String, for sort: SortOrder) throws -> Cursor {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard text.utf8.count <= 2048, let data = Data(base64Encoded: base64),
            let cursor = try? JSONDecoder().decode(Cursor.self, from: data)
        else { throw PatchbayError.invalidParameter("cursor", "is not a cursor this server issued") }
        guard cursor.sort == sort.description else {
            throw PatchbayError.invalidParameter("cursor", "was issued for sort=\(cursor.sort); repeat that sort or start over")
        }
        return cursor
    }
}

/// What a list request asks for.
public struct ListRequest: Sendable {
    public static let defaultLimit = 50
    public static let maxLimit = 1000

    public var limit: Int
    public var sort: SortOrder
    public var cursor: Cursor?
    /// Lower-cased substring to match.
    public var search: String?

    public init(
        limit: Int = defaultLimit, sort: SortOrder = SortOrder(field: "createdAt", descending: false), cursor: Cursor? = nil, search: String? = nil
    ) {
        self.limit = limit
        self.sort = sort
        self.cursor = cursor
        self.search = search
    }
}

/// One page of a list and the cursor of the next, if any.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
