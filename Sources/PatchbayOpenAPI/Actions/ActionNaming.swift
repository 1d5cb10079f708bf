import PatchbayCore

/// Readable, unique action names: `getPhotoRecords` → "Get Photo Records", `repos/get-content` → "Repos Get
/// Content"; without an operationId, the summary, or the method and the path's fixed segments.
public enum ActionNaming {
    public static let maximumLength = 200

    public static func name(operationId: String?, summary: String?, method: String, path: String) -> String {
        String(unboundedName(operationId: operationId, summary: summary, method: method, path: path).prefix(maximumLength))
    }

    private static func unboundedName(operationId: String?, summary: String?, method: String, path: String) -> String {
        if let operationId, !operationId.isEmpty {
            let words = humanize(operationId)
            if !words.isEmpty { return words }
        }
        if let summary = summary.map(trimmedSentence), !summary.isEmpty, summary.count <= 80,
            !summary.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            return summary.prefix(1).uppercased() + summary.dropFirst()
        }
        let segments = path.split(separator: "/").filter { !$0.contains("{") }.map { humanize(String($0)) }.filter { !$0.isEmpty }
        return ([method.prefix(1).uppercased() + method.dropFirst().lowercased()] + segments).joined(separator: " ")
    }

    /// A summary without surrounding whitespace or a closing full stop.
    private static func trimmedSentence(_ text: String) -> String {
        var trimmed = text.trimmingWhitespace()
        while trimmed.hasSuffix(".") { trimmed = String(trimmed.dropLast()).trimmingWhitespace() }
        return trimmed
    }

    /// Splits camelCase, PascalCase, snake_case, kebab-case, dotted and slashed identifiers into capitalised
    /// words; runs of capitals stay together as acronyms (`listHTTPRoutes` → "List HTTP Routes").
    public static func humanize(_ identifier: String) -> String {
        var words: [String] = []
        var current = ""
        let characters = Array(identifier)
        func flush() {
            if !current.isEmpty { words.append(current) }
            current = ""
        }
        for (index, character) in characters.enumerated() {
            guard character.isLetter || character.isNumber else {
                flush()
                continue
            }
            if let last = current.last {
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                let startsWord =
                    (character.isUppercase && (last.isLowercase || last.isNumber))
                    || (character.isUppercase && last.isUppercase && (next?.isLowercase ?? false))
                    || (character.isNumber && last.isLetter && !current.allSatisfy(\.isUppercase))
                    || (character.isLetter && last.isNumber && character.isUppercase)
                if startsWord { flush() }
            }
            current.append(character)
        }
        flush()
        return words.map { word in
            word.allSatisfy({ $0.isUppercase || $0.isNumber }) && word.count > 1 ? word : word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }

    /// Makes names unique (ignoring case) by numbering repeats: "List Pets", "List Pets 2".
    public static func uniqued(_ names: [String]) -> [String] {
        var taken: Set<String> = []
        return names.map { name in
            var candidate = name
            var number = 2
            while !taken.insert(candidate.lowercased()).inserted {
                candidate = "\(name) \(number)"
                number += 1
            }
            return candidate
        }
    }
}
