/// Bulk renaming of actions with a regular expression: `$1` or `${name}` in the replacement insert groups.
/// The whole plan is computed first so a rename that would make two names equal is refused before any write.
public enum ActionRename {
    public struct Change: Sendable, Equatable, Encodable {
        public var id: String
        public var from: String
        public var to: String
    }

    public static let maximumPatternLength = 200

    /// The renames the pattern makes (unchanged names left out), or a validation error naming the problem. The
    /// pattern runs on the bounded matcher: linear in each name, whatever the pattern (`^(a|aa)+$` included).
    public static func plan(_ actions: [Action], pattern: String, replacement: String) throws -> [Change] {
        guard !pattern.isEmpty, pattern.count <= maximumPatternLength else {
            throw PatchbayError.invalid("/pattern", "must be 1 to \(maximumPatternLength) characters")
        }
        let regex: Pattern
        do {
            regex = try PatternCache.pattern(pattern)
        } catch {
            throw PatchbayError.invalid("/pattern", "is not a regular expression this server runs: \(error.description.prefix(200))")
        }
        var changes: [Change] = []
        for action in actions {
            let name = action.definition.name
            let renamed = try rename(name, regex: regex, replacement: replacement)
            if renamed != name { changes.append(Change(id: action.id, from: name, to: renamed)) }
        }
        var final: [String: String] = [:]
        for action in actions { final[action.id] = action.definition.name }
        for change in changes { final[change.id] = change.to }
        var seen: [String: String] = [:]
        for action in actions {
            let name = final[action.id] ?? ""
            if let problem = ActionRules.nameProblem(name) {
                throw PatchbayError.invalid("/replacement", "would rename \"\(action.definition.name)\" to \"\(name.prefix(100))\", which \(problem)")
            }
            if let other = seen[Action.nameKey(name)] {
                throw PatchbayError(.conflict, "The rename would give \"\(other)\" and \"\(action.definition.name)\" the same name \"\(name)\".")
            }
            seen[Action.nameKey(name)] = action.definition.name
        }
        return changes
    }

    static func rename(_ name: String, regex: Pattern, replacement: String) throws -> String {
        var result = ""
        var position = name.startIndex
        for match in regex.matches(in: name) {
            result += name[position..<match.range.lowerBound]
            result += expand(replacement, match: match, groupNames: regex.groupNames)
            position = match.range.upperBound
        }
        return result + name[position...]
    }

    private static func expand(_ replacement: String, match: PatternMatch, groupNames: [String: Int]) -> String {
        var output = ""
        let characters = Array(replacement)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                output.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
            } else if next.isASCII, let group = next.wholeNumberValue {
                if let text = match[group] { output += text }
                index += 2
            } else if next == "{", let close = characters[(index + 2)...].firstIndex(of: "}") {
                let name = String(characters[(index + 2)..<close])
                if let group = Int(name) {
                    output += match[group].map(String.init) ?? ""
                } else if groupNames[name] != nil, let text = match[name] {
                    output += text
                }
                index = close + 1
            } else {
                output.append(character)
                index += 1
            }
        }
        return output
    }
}
