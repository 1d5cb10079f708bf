/// Validation of action fields shared by manual creation, update and rename.
public enum ActionRules {
    public static let methods: Set<String> = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"]

    public static func nameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingWhitespace()
        if trimmed.isEmpty { return "is empty" }
        if name.count > 200 { return "is longer than 200 characters" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) { return "contains control characters" }
        return nil
    }

    /// Problems with an action written by hand, as (pointer, message).
    public static func problems(_ definition: ActionDefinition) -> [(String, String)] {
        var problems: [(String, String)] = []
        if let problem = nameProblem(definition.name) { problems.append(("/name", "name \(problem)")) }
        if !methods.contains(definition.method) { problems.append(("/method", "must be one of \(methods.sorted().joined(separator: ", "))")) }
        if !definition.path.hasPrefix("/") || definition.path.count > 2000 || definition.path.contains(where: { $0.isWhitespace }) {
            problems.append(("/path", "must start with / and contain no spaces"))
        }
        let templates = Set(PathTemplate.parameterNames(in: definition.path))
        for (index, parameter) in definition.parameters.enumerated() {
            if parameter.name.isEmpty { problems.append(("/parameters/\(index)/name", "must not be empty")) }
            if parameter.location == .path && !templates.contains(parameter.name) {
                problems.append(("/parameters/\(index)/name", "path parameter \"\(parameter.name)\" is not in the path template"))
            }
        }
        let declared = Set(definition.parameters.filter { $0.location == .path }.map(\.name))
        for name in templates where !declared.contains(name) {
            problems.append(("/path", "declares {\(name)}, but no path parameter of that name"))
        }
        return problems
    }
}

/// Path templates: `/users/{id}/posts/{post_id}`.
public enum PathTemplate {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    /// The template split into literal text and `{variables}`; an unclosed `{` stays literal text.
    public static func parts(of path: String) -> [Part] {
        var parts: [Part] = []
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            parts.append(.variable(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return parts
    }

    /// The parameter names in a template, in order: `id`, `post_id`.
    public static func parameterNames(in path: String) -> [String] {
        parts(of: path).compactMap { part in
            if case .variable(let name) = part { name } else { nil }
        }
    }
}
