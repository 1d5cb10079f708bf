import Foundation

/// An RFC 8288 `Link` header, parsed properly: targets are read between `<` and `>` (so commas and semicolons in
/// URLs are kept), parameter values may be quoted strings with escapes, and `rel` holds space-separated relation
/// types compared without regard to case.
public struct LinkHeader: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public var target: String
        public var relations: [String]
        public var parameters: [String: String]
    }

    public var links: [Link]

    /// Parses one or more header values (a response may repeat the header). Malformed links are skipped, as
    /// user agents do, rather than failing the whole header.
    public init(_ values: [String]) {
        var links: [Link] = []
        for value in values { links += Self.parse(Array(value.unicodeScalars)) }
        self.links = links
    }

    /// The target of the first link with relation `rel`, resolved against `base` when relative.
    public func target(rel: String, resolvedAgainst base: String) -> String? {
        let wanted = rel.lowercased()
        guard let link = links.first(where: { $0.relations.contains(wanted) }) else { return nil }
        return Self.resolve(link.target, against: base)
    }

    public static func resolve(_ target: String, against base: String) -> String? {
        if let absolute = URL(string: target), absolute.scheme != nil { return absolute.absoluteString }
        guard let baseURL = URL(string: base), let resolved = URL(string: target, relativeTo: baseURL) else { return nil }
        return resolved.absoluteURL.absoluteString
    }

    private static func parse(_ scalars: [Unicode.Scalar]) -> [Link] {
        var links: [Link] = []
        var index = 0
        func skipWhitespace() {
            while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        }
        /// Moves past the current link-value to the comma that ends it (respecting quotes).
        func skipToNextLink() {
            var quoted = false
            while index < scalars.count {
                let scalar = scalars[index]
                if quoted {
                    if scalar == "\\" { index += 1 } else if scalar == "\"" { quoted = false }
                } else if scalar == "\"" {
                    quoted = true
                } else if scalar == "," {
                    index += 1
                    return
                }
                index += 1
            }
        }
        while index < scalars.count {
            skipWhitespace()
            if index < scalars.count, scalars[index] == "," {
                index += 1
                continue
            }
            guard index < scalars.count, scalars[index] == "<" else {
                skipToNextLink()
                continue
            }
            index += 1
            var target = ""
            while index < scalars.count, scalars[index] != ">" {
                target.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { break }
            index += 1
            var parameters: [String: String] = [:]
            while true {
                skipWhitespace()
                guard index < scalars.count, scalars[index] == ";" else { break }
                index += 1
                skipWhitespace()
                var name = ""
                while index < scalars.count, !"=;, \t".unicodeScalars.contains(scalars[index]) {
                    name.unicodeScalars.append(scalars[index])
                    index += 1
                }
                skipWhitespace()
                var value = ""
                if index < scalars.count, scalars[index] == "=" {
                    index += 1
                    skipWhitespace()
                    if index < scalars.count, scalars[index] == "\"" {
                        index += 1
                        while index < scalars.count, scalars[index] != "\"" {
                            if scalars[index] == "\\", index + 1 < scalars.count { index += 1 }
                            value.unicodeScalars.append(scalars[index])
                            index += 1
                        }
                        index += 1
                    } else {
                        while index < scalars.count, !";, \t".unicodeScalars.contains(scalars[index]) {
                            value.unicodeScalars.append(scalars[index])
                            index += 1
                        }
                    }
                }
                let key = name.lowercased()
                // RFC 8288 §3: only the first occurrence of a parameter counts.
                if !key.isEmpty, parameters[key] == nil { parameters[key] = value }
            }
            let relations = (parameters["rel"] ?? "").lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            links.append(Link(target: target.trimmingWhitespace(), relations: relations, parameters: parameters))
            skipToNextLink()
        }
        return links
    }
}
