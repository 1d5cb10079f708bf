/// Reads ECMAScript regular expression syntax as `new RegExp(source, "u")` does into a `PatternNode` tree.
/// Syntax errors are thrown where found; constructs that are valid but cannot run in linear time (backreferences,
/// look-around) or that expand too far are remembered and thrown only once the whole pattern has parsed, so a
/// pattern JavaScript would reject is always reported as a syntax error.
struct PatternParser {
    struct Result {
        var node: PatternNode
        var captureCount: Int
        var groupNames: [String: Int]
    }

    /// Deeper nesting is refused before it can exhaust the stack of this recursive-descent parser.
    static let maximumDepth = 200
    /// The largest bound of a counted repetition `{n,m}`.
    static let maximumRepetition = 1000

    // Read by the escapes and classes in PatternParser+Escapes.swift, hence not private.
    let scalars: [Unicode.Scalar]
    var position = 0
    private var depth = 0
    private var captureCount = 0
    private var groupNames: [String: Int] = [:]
    private var deferred: PatternError?
    var numberedReferences: [(number: Int, offset: Int)] = []
    var namedReferences: [(name: String, offset: Int)] = []

    private init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    static func parse(_ source: String) throws(PatternError) -> Result {
        var parser = PatternParser(source)
        let node = try parser.parseDisjunction()
        if parser.position < parser.scalars.count {
            throw .syntax("unmatched ')'", at: parser.position)
        }
        try parser.checkReferences()
        if let deferred = parser.deferred { throw deferred }
        return Result(node: node, captureCount: parser.captureCount, groupNames: parser.groupNames)
    }

    // MARK: Structure

    private mutating func parseDisjunction() throws(PatternError) -> PatternNode {
        var alternatives = [try parseAlternative()]
        while peek == "|" {
            position += 1
            alternatives.append(try parseAlternative())
        }
        if alternatives.count == 1 { return alternatives[0] }
        // Alternatives of single characters or classes are one class (`a|b` is `[ab]`): each consumes exactly one
        // scalar and goes on the same way, so priority cannot tell them apart, and a class compiles smaller.
        var merged = ScalarSet()
        for alternative in alternatives {
            guard case .set(let set) = alternative else { return .alternation(alternatives) }
            merged.formUnion(set)
        }
        return .set(merged)
    }

    private mutating func parseAlternative() throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let next = peek, next != "|", next != ")" {
            let term = try parseTerm()
            if case .empty = term { continue }
            items.append(term)
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    private mutating func parseTerm() throws(PatternError) -> PatternNode {
        let start = position
        let character = scalars[position]
        position += 1
        let atom: PatternNode
        switch character {
        case "^":
            return try unrepeatable(.assertion(.start))
        case "$":
            return try unrepeatable(.assertion(.end))
        case "\\":
            if peek == "b" || peek == "B" {
                position += 1
                return try unrepeatable(.assertion(scalar(at: position - 1) == "b" ? .wordBoundary : .notWordBoundary))
            }
            atom = try parseAtomEscape(start: start)
        case "(":
            atom = try parseGroup(start: start)
        case ".":
            atom = .set(.dot)
        case "[":
            atom = .set(try parseClass(start: start))
        case "*", "+", "?":
            throw .syntax("nothing to repeat before '\(character)'", at: start)
        case "{":
            position = start
            if (try? parseQuantifier()) != nil { throw .syntax("nothing to repeat before '{'", at: start) }
            throw .syntax("lone '{' (escape it as \\{)", at: start)
        case "}", "]":
            throw .syntax("lone '\(character)' (escape it as \\\(character))", at: start)
        default:
            atom = .set(ScalarSet(character.value))
        }
        guard let quantifier = try parseQuantifier() else { return atom }
        return .repetition(atom, min: quantifier.min, max: quantifier.max, greedy: quantifier.greedy)
    }

    /// Assertions take no quantifier with the `u` flag.
    private mutating func unrepeatable(_ node: PatternNode) throws(PatternError) -> PatternNode {
        let start = position
        if try parseQuantifier() != nil { throw .syntax("nothing to repeat: an assertion cannot take a quantifier", at: start) }
        return node
    }

    private mutating func parseQuantifier() throws(PatternError) -> (min: Int, max: Int?, greedy: Bool)? {
        guard let character = peek else { return nil }
        let start = position
        var bounds: (min: Int, max: Int?)
        switch character {
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "?": bounds = (0, 1)
        case "{":
            position += 1
            let low = parseNumber()
            guard let low else { throw .syntax("incomplete quantifier '{'", at: start) }
            bounds = (low, low)
            if peek == "," {
                position += 1
                bounds.max = parseNumber()
            }
            guard peek == "}" else { throw .syntax("incomplete quantifier '{'", at: start) }
            if let max = bounds.max, max < bounds.min { throw .syntax("numbers out of order in {\(low),\(max)}", at: start) }
            if max(bounds.min, bounds.max ?? 0) > Self.maximumRepetition {
                postpone(.tooComplex("repetition counts above \(Self.maximumRepetition) are not supported", at: start))
            }
            bounds.min = min(bounds.min, Self.maximumRepetition)
            bounds.max = bounds.max.map { min($0, Self.maximumRepetition) }
        default:
            return nil
        }
        position += 1
        var greedy = true
        if peek == "?" {
            greedy = false
            position += 1
        }
        return (bounds.min, bounds.max, greedy)
    }

    /// Decimal digits, saturating far above any allowed count so huge numbers cannot overflow.
    mutating func parseNumber() -> Int? {
        var value: Int?
        while let digit = peek, digit >= "0", digit <= "9" {
            value = min((value ?? 0) * 10 + Int(digit.value - 48), 1 << 40)
            position += 1
        }
        return value
    }

    private mutating func parseGroup(start: Int) throws(PatternError) -> PatternNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth { throw .tooComplex("groups nest more than \(Self.maximumDepth) deep", at: start) }
        var captureIndex: Int?
        if peek == "?" {
            position += 1
            switch next() {
            case ":":
                break
            case "=", "!":
                postpone(.unsupported("look-ahead (?= or (?! is not supported", at: start))
            case "<" where peek == "=" || peek == "!":
                position += 1
                postpone(.unsupported("look-behind (?<= or (?<! is not supported", at: start))
            case "<":
                let name = try parseGroupName(start: start)
                guard groupNames[name] == nil else { throw .syntax("duplicate group name '\(name)'", at: start) }
                captureCount += 1
                captureIndex = captureCount
                groupNames[name] = captureCount
            default:
                throw .syntax("invalid group: '(?' must be followed by ':', '<name>', '=', '!', '<=' or '<!'", at: start)
            }
        } else {
            captureCount += 1
            captureIndex = captureCount
        }
        let inner = try parseDisjunction()
        guard peek == ")" else { throw .syntax("unterminated group", at: start) }
        position += 1
        guard let captureIndex else { return inner }
        return .capture(index: captureIndex, inner)
    }

    /// `name>` after `(?<` or `\k<`: an identifier, which may spell characters as `\u` escapes.
    mutating func parseGroupName(start: Int) throws(PatternError) -> String {
        var name = String.UnicodeScalarView()
        while true {
            guard var scalar = next() else { throw .syntax("unterminated group name", at: start) }
            if scalar == ">" { break }
            if scalar == "\\" {
                guard next() == "u", let escaped = try parseUnicodeEscape(start: position - 2), let decoded = Unicode.Scalar(escaped) else {
                    throw .syntax("invalid group name", at: start)
                }
                scalar = decoded
            }
            let valid =
                name.isEmpty
                ? scalar.properties.isIDStart || scalar == "$" || scalar == "_"
                : scalar.properties.isIDContinue || scalar == "$" || scalar == "\u{200C}" || scalar == "\u{200D}"
            guard valid else { throw .syntax("invalid group name", at: start) }
            name.append(scalar)
        }
        guard !name.isEmpty else { throw .syntax("empty group name", at: start) }
        return String(name)
    }

    // MARK: Helpers

    var peek: Unicode.Scalar? { scalar(at: position) }

    func scalar(at index: Int) -> Unicode.Scalar? {
        index < scalars.count ? scalars[index] : nil
    }

    mutating func next() -> Unicode.Scalar? {
        guard position < scalars.count else { return nil }
        position += 1
        return scalars[position - 1]
    }

    func hexDigit(_ character: Unicode.Scalar?) -> UInt32? {
        guard let character else { return nil }
        switch character {
        case "0"..."9": return character.value - 48
        case "a"..."f": return character.value - 97 + 10
        case "A"..."F": return character.value - 65 + 10
        default: return nil
        }
    }

    func fourHexDigits(at index: Int) -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = hexDigit(scalar(at: index + offset)) else { return nil }
            value = value * 16 + digit
        }
        return value
    }

    mutating func postpone(_ error: PatternError) {
        if deferred == nil { deferred = error }
    }

    /// With the `u` flag a backreference to a group that does not exist is a syntax error, not a literal.
    private func checkReferences() throws(PatternError) {
        for reference in numberedReferences where reference.number > captureCount {
            throw .syntax("backreference \\\(reference.number) names a group that does not exist", at: reference.offset)
        }
        for reference in namedReferences where groupNames[reference.name] == nil {
            throw .syntax("backreference \\k<\(reference.name)> names a group that does not exist", at: reference.offset)
        }
    }
}
