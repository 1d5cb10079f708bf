/// A path into a JSON value written with dots, as `resultsKey` and `nextPageKey` are: `data.items`, `links.next`.
/// A segment of digits indexes an array.
public struct DottedPath: Sendable, Equatable, CustomStringConvertible {
    public let segments: [String]

    public init?(_ text: String) {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, text.count <= 500, segments.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.segments = segments
    }

    public var description: String { segments.joined(separator: ".") }

    public func value(in root: JSONValue) -> JSONValue? {
        var current = root
        for segment in segments {
            switch current {
            case .object(let members):
                guard let next = members[segment] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(segment), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// The JSONPath subset a cursor is read with: `$`, `.name`, `['name']`, `[n]` and `[-n]` (from the end, so
/// `$.data[-1].id` is the last item's id). Filters and wildcards select many values, and a cursor is one.
public struct JSONPathLite: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
    }

    public let steps: [Step]
    public let description: String

    /// Also takes a plain dotted path (`meta.next_cursor`), as people write one where a JSONPath is asked.
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 500 else { return nil }
        description = text
        var scalars = Array(text.unicodeScalars)
        if scalars.first != "$" { scalars = Array("$.".unicodeScalars) + scalars }
        var steps: [Step] = []
        var index = 1
        func readName() -> String {
            var name = ""
            while index < scalars.count, scalars[index] != ".", scalars[index] != "[" {
                name.unicodeScalars.append(scalars[index])
                index += 1
            }
            return name
        }
        while index < scalars.count {
            switch scalars[index] {
            case ".":
                index += 1
                let name = readName()
                guard !name.isEmpty, name != "*" else { return nil }
                steps.append(.member(name))
            case "[":
                index += 1
                guard index < scalars.count else { return nil }
                if scalars[index] == "'" || scalars[index] == "\"" {
                    let quote = scalars[index]
                    index += 1
                    var name = ""
                    while index < scalars.count, scalars[index] != quote {
                        if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                        name.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    guard index + 1 < scalars.count, scalars[index + 1] == "]" else { return nil }
                    index += 2
                    steps.append(.member(name))
                } else {
                    var number = ""
                    while index < scalars.count, scalars[index] != "]" {
                        number.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    guard index < scalars.count, let value = Int(number) else { return nil }
                    index += 1
                    steps.append(.index(value))
                }
            default:
                return nil
            }
        }
        self.steps = steps
    }

    public func value(in root: JSONValue) -> JSONValue? {
        var current = root
        for step in steps {
            switch (step, current) {
            case (.member(let name), .object(let members)):
                guard let next = members[name] else { return nil }
                current = next
            case (.index(let position), .array(let items)):
                let resolved = position < 0 ? items.count + position : position
                guard items.indices.contains(resolved) else { return nil }
                current = items[resolved]
            default:
                return nil
            }
        }
        return current
    }
}
