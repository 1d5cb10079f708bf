import Foundation

/// Follows an API's pages, free of I/O: it prepares the first request, reads each response (results, next link
/// or cursor) and says what to request next or why to stop. The guards n8n learned the hard way are built in:
/// an empty page, a short page, a missing or repeated cursor or link, an identical page, and the page limit all
/// stop the loop, and a next link that leaves the API's origin is not followed (it would carry the credentials).
public struct PaginationEngine: Sendable {
    public enum StopReason: String, Sendable, Equatable {
        case notPaginated = "not paginated"
        case pageLimit = "page limit reached"
        case emptyPage = "empty page"
        case shortPage = "short page"
        case noNext = "no next link or cursor"
        case repeatedNext = "repeated link or cursor"
        case identicalPage = "identical page"
        case foreignLink = "next link leaves the API's origin"
        case failed = "request failed"
    }

    public enum Step: Sendable, Equatable {
        case next(OutboundRequest)
        case stop(StopReason)
        /// The API answered something that cannot lead to a next page (a cursor of 1e300): the run fails with this reason.
        case unusable(String)
    }

    public let settings: APISettings.Pagination
    public let pageLimit: Int
    public private(set) var pages = 0
    private var seenNext: Set<String> = []
    private var previousPage: [UInt8]?
    private var index = 0
    private var page = 1

    /// `pageLimit` from the run request, capped by the settings' limit and the contract's maximum of 20.
    public init(settings: APISettings.Pagination, pageLimit: Int? = nil) {
        self.settings = settings
        self.pageLimit = max(1, min(pageLimit ?? settings.effectivePageLimit, APISettings.Pagination.maximumPageLimit))
        if settings.pageSizeParam != nil { pageSize = min(settings.defaultPageSize ?? 100, APISettings.Pagination.maximumPageSize) }
    }

    /// The page size sent: the caller's value for the page size parameter, else the default (a short page ends the loop).
    public private(set) var pageSize: Int?

    /// The first request with the page size and starting position added (a value the caller set is kept).
    public mutating func first(_ request: OutboundRequest) -> OutboundRequest {
        var request = request
        let query = QueryString(url: request.url)
        if let name = settings.pageSizeParam, let size = pageSize {
            if let given = query.value(name) {
                pageSize = Int(given)
            } else {
                request.url = QueryString.setting(name, to: String(size), in: request.url)
            }
        }
        // Index pages start at 0 and numbered pages at 1, unless the caller chose where to start.
        let start: (name: String?, first: Int)? =
            switch settings.type {
            case .index: (settings.indexParam, 0)
            case .page: (settings.pageParam, 1)
            default: nil
            }
        if let start, let name = start.name {
            let given = query.value(name).flatMap(Int.init)
            let position = given ?? start.first
            if given == nil { request.url = QueryString.setting(name, to: String(position), in: request.url) }
            if settings.type == .index { index = position } else { page = position }
        }
        return request
    }

    /// The items of one page: the array at `resultsKey`, or the body when it is an array.
    public func results(in body: JSONValue?) -> [JSONValue]? {
        guard let body else { return nil }
        if let key = settings.resultsKey, let path = DottedPath(key) {
            if case .array(let items)? = path.value(in: body) { return items }
            return nil
        }
        if case .array(let items) = body { return items }
        return nil
    }

    /// Reads the response to `request` and decides what comes next.
    public mutating func next(after request: OutboundRequest, headers: [(String, String)], body: JSONValue?, rawBody: [UInt8]) -> Step {
        pages += 1
        guard settings.type != .none else { return .stop(.notPaginated) }
        let items = results(in: body)
        if let items, items.isEmpty { return .stop(.emptyPage) }
        if previousPage == rawBody { return .stop(.identicalPage) }
        previousPage = rawBody
        if let items, let pageSize, items.count < pageSize { return .stop(.shortPage) }
        guard pages < pageLimit else { return .stop(.pageLimit) }
        var next = request
        switch settings.type {
        case .none:
            return .stop(.notPaginated)
        case .index:
            guard let name = settings.indexParam, let items else { return .stop(.noNext) }
            let (advanced, overflow) = index.addingReportingOverflow(items.count)
            guard !overflow else { return .stop(.noNext) }
            index = advanced
            next.url = QueryString.setting(name, to: String(index), in: request.url)
        case .page:
            guard let name = settings.pageParam, page < Int.max else { return .stop(.noNext) }
            page += 1
            next.url = QueryString.setting(name, to: String(page), in: request.url)
        case .link:
            let target: String?
            if settings.linkInBody {
                guard let key = settings.nextPageKey, let path = DottedPath(key), let body, let value = path.value(in: body) else {
                    return .stop(.noNext)
                }
                guard case .string(let text) = value, !text.isEmpty else { return .stop(.noNext) }
                if Self.looksLikeLink(text) {
                    target = LinkHeader.resolve(text, against: request.url)
                } else if let after = settings.afterParam {
                    target = QueryString.setting(after, to: text, in: request.url)
                } else {
                    target = nil
                }
            } else {
                let headerName = settings.headerName ?? "Link"
                let values = headers.filter { $0.0.caseInsensitiveCompare(headerName) == .orderedSame }.map(\.1)
                target = LinkHeader(values).target(rel: settings.headerRel ?? "next", resolvedAgainst: request.url)
            }
            guard let target else { return .stop(.noNext) }
            guard Self.sameOrigin(target, request.url) else { return .stop(.foreignLink) }
            guard seenNext.insert(target).inserted, target != request.url else { return .stop(.repeatedNext) }
            next.url = target
        case .pointer:
            guard let name = settings.afterParam, let pointer = settings.pointerPath.flatMap(JSONPathLite.init), let body,
                let value = pointer.value(in: body)
            else { return .stop(.noNext) }
            let cursor: String
            switch value {
            case .string(let text): cursor = text
            case .int(let number): cursor = String(number)
            case .double(let number):
                // A number cursor is an id or an offset: it must be a whole number that fits in 64 bits.
                guard number.rounded() == number, let whole = Int64(checkedTruncating: number) else {
                    return .unusable("the next cursor at \(settings.pointerPath ?? "") is not a whole 64-bit number (\(number))")
                }
                cursor = String(whole)
            default: return .stop(.noNext)
            }
            guard !cursor.isEmpty else { return .stop(.noNext) }
            guard seenNext.insert(cursor).inserted, QueryString(url: request.url).value(name) != cursor else { return .stop(.repeatedNext) }
            next.url = QueryString.setting(name, to: cursor, in: request.url)
        }
        return .next(next)
    }

    static func looksLikeLink(_ text: String) -> Bool {
        text.hasPrefix("http://") || text.hasPrefix("https://") || text.hasPrefix("/") || text.hasPrefix("?")
    }

    static func sameOrigin(_ lhs: String, _ rhs: String) -> Bool {
        guard let left = URLComponents(string: lhs), let right = URLComponents(string: rhs) else { return false }
        return left.scheme?.lowercased() == right.scheme?.lowercased() && left.host?.lowercased() == right.host?.lowercased()
            && (left.port ?? defaultPort(left.scheme)) == (right.port ?? defaultPort(right.scheme))
    }

    private static func defaultPort(_ scheme: String?) -> Int? {
        switch scheme?.lowercased() {
        case "https": 443
        case "http": 80
        default: nil
        }
    }
}

/// Reads and rewrites a URL's query without disturbing the rest of it.
public struct QueryString: Sendable {
    /// Every `name=value` pair, decoded, in order.
    public let pairs: [(String, String)]

    public init(url: String) {
        guard let start = url.firstIndex(of: "?") else {
            pairs = []
            return
        }
        let query = url[url.index(after: start)...].split(separator: "#", maxSplits: 1).first ?? ""
        pairs = query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    public func value(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    /// `url` with every `name=` pair replaced by one `name=value` (appended when absent).
    public static func setting(_ name: String, to value: String, in url: String) -> String {
        var base = url
        var fragment = ""
        if let hash = base.firstIndex(of: "#") {
            fragment = String(base[hash...])
            base = String(base[..<hash])
        }
        var kept: [String] = []
        if let question = base.firstIndex(of: "?") {
            for pair in base[base.index(after: question)...].split(separator: "&") {
                let key = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                let decoded = key.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(key)
                if decoded != name { kept.append(String(pair)) }
            }
            base = String(base[..<question])
        }
        kept.append(RequestBuilder.percentEncode(name) + "=" + RequestBuilder.percentEncode(value))
        return base + "?" + kept.joined(separator: "&") + fragment
    }
}
