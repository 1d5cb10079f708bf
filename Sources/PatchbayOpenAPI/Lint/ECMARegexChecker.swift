/// Checks that a `pattern` is an ECMA-262 regular expression as JSON Schema validators compile it: with the
/// `u` flag (as Ajv does), which refuses what browsers' sloppy mode would read as literals. What it flags is
/// Java or PCRE syntax such as inline flags `(?i)`, possessive quantifiers `a++`, atomic groups `(?>…)`,
/// class intersections `[\p{Print}&&[^|]]` and unknown properties `\p{Print}`, needless escapes such as
/// `\:`, and plain mistakes: unbalanced parentheses, an unterminated class, a reversed range, `{3,1}`,
/// nothing to repeat.
public enum ECMARegexChecker {
    /// nil when the pattern compiles; otherwise why not, with the character offset.
    public static func problem(in pattern: String) -> String? {
        var checker = Checker(Array(pattern.unicodeScalars))
        if let problem = checker.run() { return problem }
        return checker.checkBackReferences()
    }

    static let syntaxCharacters: Set<Unicode.Scalar> = ["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]
    static let generalCategories: Set<String> = [
        "L", "LC", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
        "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn",
        "Letter", "Cased_Letter", "Uppercase_Letter", "Lowercase_Letter", "Titlecase_Letter", "Modifier_Letter", "Other_Letter", "Mark",
        "Nonspacing_Mark", "Spacing_Mark", "Enclosing_Mark", "Number", "Decimal_Number", "Letter_Number", "Other_Number", "Punctuation",
        "Connector_Punctuation", "Dash_Punctuation", "Open_Punctuation", "Close_Punctuation", "Initial_Punctuation", "Final_Punctuation",
        "Other_Punctuation", "Symbol", "Math_Symbol", "Currency_Symbol", "Modifier_Symbol", "Other_Symbol", "Separator", "Space_Separator",
        "Line_Separator", "Paragraph_Separator", "Other", "Control", "Format", "Surrogate", "Private_Use", "Unassigned", "digit", "punct",
    ]
    static let binaryProperties: Set<String> = [
        "ASCII", "ASCII_Hex_Digit", "AHex", "Alphabetic", "Alpha", "Any", "Assigned", "Bidi_Control", "Bidi_C", "Bidi_Mirrored", "Bidi_M",
        "Case_Ignorable", "CI", "Cased", "Changes_When_Casefolded", "CWCF", "Changes_When_Casemapped", "CWCM", "Changes_When_Lowercased",
        "CWL", "Changes_When_NFKC_Casefolded", "CWKCF", "Changes_When_Titlecased", "CWT", "Changes_When_Uppercased", "CWU", "Dash",
        "Default_Ignorable_Code_Point", "DI", "Deprecated", "Dep", "Diacritic", "Dia", "Emoji", "Emoji_Component", "EComp", "Emoji_Modifier",
        "EMod", "Emoji_Modifier_Base", "EBase", "Emoji_Presentation", "EPres", "Extended_Pictographic", "ExtPict", "Extender", "Ext",
        "Grapheme_Base", "Gr_Base", "Grapheme_Extend", "Gr_Ext", "Hex_Digit", "Hex", "IDS_Binary_Operator", "IDSB", "IDS_Trinary_Operator",
        "IDST", "ID_Continue", "IDC", "ID_Start", "IDS", "Ideographic", "Ideo", "Join_Control", "Join_C", "Logical_Order_Exception", "LOE",
        "Lowercase", "Lower", "Math", "Noncharacter_Code_Point", "NChar", "Pattern_Syntax", "Pat_Syn", "Pattern_White_Space", "Pat_WS",
        "Quotation_Mark", "QMark", "Radical", "Regional_Indicator", "RI", "Sentence_Terminal", "STerm", "Soft_Dotted", "SD",
        "Terminal_Punctuation", "Term", "Unified_Ideograph", "UIdeo", "Uppercase", "Upper", "Variation_Selector", "VS", "White_Space",
        "space", "XID_Continue", "XIDC", "XID_Start", "XIDS",
    ]

    private struct Checker {
        let scalars: [Unicode.Scalar]
        var index = 0
        var groupNames: Set<String> = []
        var referencedNames: [String] = []
        var captureCount = 0
        var largestBackReference = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        func checkBackReferences() -> String? {
            if largestBackReference > captureCount { return "back reference \\\(largestBackReference) names a group that does not exist" }
            if let name = referencedNames.first(where: { !groupNames.contains($0) }) { return "\\k<\(name)> names a group that does not exist" }
            return nil
        }

        mutating func run() -> String? {
            var depth = 0
            // Whether the previous item can take a quantifier.
            var canRepeat = false
            var lastWasQuantifier = false
            while index < scalars.count {
                let character = scalars[index]
                switch character {
                case "\\":
                    let start = index
                    if let problem = escape(inClass: false) { return problem }
                    let escaped = scalars[start + 1]
                    // \b and \B are assertions, which take no quantifier.
                    canRepeat = escaped != "b" && escaped != "B"
                    lastWasQuantifier = false
                    continue
                case "(":
                    index += 1
                    var lookaround = false
                    if index < scalars.count, scalars[index] == "?" {
                        index += 1
                        guard index < scalars.count else { return "unterminated group at \(index)" }
                        switch scalars[index] {
                        case ":":
                            index += 1
                        case "=", "!":
                            lookaround = true
                            index += 1
                        case "<":
                            index += 1
                            if index < scalars.count, scalars[index] == "=" || scalars[index] == "!" {
                                lookaround = true
                                index += 1
                            } else {
                                guard let name = groupName() else { return "invalid capture group name at \(index)" }
                                guard groupNames.insert(name).inserted else { return "duplicate capture group name \"\(name)\"" }
                                captureCount += 1
                            }
                        default:
                            return
                                "invalid group \"(?\(scalars[index])\" at \(index - 2): inline flags, atomic and other non-JavaScript groups are not ECMA-262"
                        }
                    } else {
                        captureCount += 1
                    }
                    _ = lookaround
                    depth += 1
                    canRepeat = false
                    lastWasQuantifier = false
                    continue
                case ")":
                    guard depth > 0 else { return "unmatched \")\" at \(index)" }
                    depth -= 1
                    index += 1
                    canRepeat = true
                    lastWasQuantifier = false
                    continue
                case "[":
                    if let problem = characterClass() { return problem }
                    canRepeat = true
                    lastWasQuantifier = false
                    continue
                case "*", "+", "?":
                    if character == "?" && lastWasQuantifier {
                        // Lazy quantifier: `a*?`.
                        lastWasQuantifier = false
                        canRepeat = false
                        index += 1
                        continue
                    }
                    guard canRepeat else {
                        return lastWasQuantifier
                            ? "nothing to repeat at \(index) (possessive quantifiers such as \"++\" are not ECMA-262)"
                            : "nothing to repeat at \(index)"
                    }
                    index += 1
                    canRepeat = false
                    lastWasQuantifier = true
                    continue
                case "{":
                    guard let bounds = quantifierBounds() else { return "lone \"{\" at \(index); escape it as \\{" }
                    guard canRepeat else { return "nothing to repeat at \(index)" }
                    if let upper = bounds.upper, upper < bounds.lower { return "numbers out of order in {\(bounds.lower),\(upper)} quantifier" }
                    index = bounds.end
                    canRepeat = false
                    lastWasQuantifier = true
                    continue
                case "}":
                    return "lone \"}\" at \(index); escape it as \\}"
                case "]":
                    return "lone \"]\" at \(index); escape it as \\]"
                case "|", "^", "$":
                    canRepeat = false
                    lastWasQuantifier = false
                default:
                    canRepeat = true
                    lastWasQuantifier = false
                }
                index += 1
            }
            if depth > 0 { return "missing \")\": \(depth) group\(depth == 1 ? "" : "s") left open" }
            return nil
        }

        /// A group name after `<`, up to and past its `>`.
        mutating func groupName() -> String? {
            let start = index
            while index < scalars.count, scalars[index] != ">" {
                let scalar = scalars[index]
                guard scalar == "_" || scalar == "$" || scalar.properties.isAlphabetic || (index > start && scalar.properties.numericType != nil)
                else {
                    return nil
                }
                index += 1
            }
            guard index < scalars.count, index > start else { return nil }
            let name = String(String.UnicodeScalarView(scalars[start..<index]))
            index += 1
            return name
        }

        /// `{n}`, `{n,}`, `{n,m}` starting at `index`, or nil when the brace starts none.
        func quantifierBounds() -> (lower: Int, upper: Int?, end: Int)? {
            var position = index + 1
            func number() -> Int? {
                let start = position
                while position < scalars.count, ("0"..."9").contains(scalars[position]) { position += 1 }
                guard position > start else { return nil }
                return Int(String(String.UnicodeScalarView(scalars[start..<position]).prefix(9)))
            }
            guard let lower = number() else { return nil }
            var upper: Int? = lower
            if position < scalars.count, scalars[position] == "," {
                position += 1
                upper = number()
            }
            guard position < scalars.count, scalars[position] == "}" else { return nil }
            return (lower, upper, position + 1)
        }

        func isHex(_ scalar: Unicode.Scalar) -> Bool {
            ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
        }

        /// An escape at `index` (the backslash); leaves `index` after it. With the u flag only defined escapes
        /// and syntax characters may follow a backslash.
        mutating func escape(inClass: Bool) -> String? {
            let start = index
            index += 1
            guard index < scalars.count else { return "\\ at end of pattern" }
            let character = scalars[index]
            index += 1
            switch character {
            case "d", "D", "w", "W", "s", "S", "f", "n", "r", "t", "v", "b", "B":
                return nil
            case "-" where inClass:
                return nil
            case "c":
                guard index < scalars.count,
                    scalars[index].properties.isASCIIHexDigit || ("a"..."z").contains(scalars[index]) || ("A"..."Z").contains(scalars[index])
                else {
                    return "invalid control escape \\c at \(start)"
                }
                index += 1
                return nil
            case "0":
                if index < scalars.count, ("0"..."9").contains(scalars[index]) {
                    return "octal escape \\0\(scalars[index]) at \(start) is not allowed"
                }
                return nil
            case "1"..."9":
                guard !inClass else { return "octal escape \\\(character) at \(start) is not allowed" }
                var value = Int(character.value - 48)
                while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                    value = min(value * 10 + Int(scalars[index].value - 48), 100_000)
                    index += 1
                }
                largestBackReference = max(largestBackReference, value)
                return nil
            case "x":
                guard index + 1 < scalars.count, isHex(scalars[index]), isHex(scalars[index + 1]) else {
                    return "invalid escape \\x at \(start): two hex digits must follow"
                }
                index += 2
                return nil
            case "u":
                if index < scalars.count, scalars[index] == "{" {
                    guard let close = scalars[index...].firstIndex(of: "}"), close > index + 1, scalars[(index + 1)..<close].allSatisfy(isHex) else {
                        return "invalid escape \\u{…} at \(start)"
                    }
                    index = close + 1
                    return nil
                }
                guard index + 3 < scalars.count, scalars[index..<(index + 4)].allSatisfy(isHex) else {
                    return "invalid escape \\u at \(start): four hex digits must follow"
                }
                index += 4
                return nil
            case "p", "P":
                guard index < scalars.count, scalars[index] == "{", let close = scalars[index...].firstIndex(of: "}") else {
                    return "invalid property escape \\\(character) at \(start): \\\(character){…} expected"
                }
                let name = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
                index = close + 1
                return Self.isUnicodeProperty(name)
                    ? nil
                    : "\\\(character){\(name)} at \(start) is not a Unicode property JavaScript knows (Java's POSIX classes such as \\p{Print} are not ECMA-262)"
            case "k":
                guard index < scalars.count, scalars[index] == "<" else { return "invalid named reference \\k at \(start)" }
                index += 1
                guard let name = groupName() else { return "invalid named reference \\k at \(start)" }
                referencedNames.append(name)
                return nil
            default:
                if syntaxCharacters.contains(character) { return nil }
                return "needless escape \\\(character) at \(start) is an error in ECMA-262 with the u flag; write \(character) alone"
            }
        }

        static func isUnicodeProperty(_ name: String) -> Bool {
            if let equals = name.firstIndex(of: "=") {
                let key = name[..<equals]
                let value = name[name.index(after: equals)...]
                let known = ["General_Category", "gc", "Script", "sc", "Script_Extensions", "scx"].contains(String(key))
                return known && !value.isEmpty && value.allSatisfy { $0.isLetter || $0 == "_" }
            }
            return generalCategories.contains(name) || binaryProperties.contains(name)
        }

        /// A class starting at `index` (`[`); leaves `index` after its `]`.
        mutating func characterClass() -> String? {
            let start = index
            index += 1
            if index < scalars.count, scalars[index] == "^" { index += 1 }
            var previous: Unicode.Scalar?
            var pendingRange = false
            while index < scalars.count {
                var character = scalars[index]
                if character == "]" {
                    index += 1
                    if pendingRange { return nil }
                    return nil
                }
                var isEscapeClass = false
                let wasEscaped = character == "\\"
                if wasEscaped {
                    let escapeStart = index
                    if let problem = escape(inClass: true) { return problem }
                    let escaped = scalars[escapeStart + 1]
                    switch escaped {
                    case "d", "D", "w", "W", "s", "S", "p", "P": isEscapeClass = true
                    case "n": character = "\n"
                    case "t": character = "\t"
                    case "r": character = "\r"
                    case "b": character = "\u{8}"
                    case "u", "x", "c", "0", "f", "v":
                        // The exact code point matters only for range order; treat as unknown.
                        isEscapeClass = true
                    default: character = escaped
                    }
                } else {
                    index += 1
                }
                if pendingRange {
                    pendingRange = false
                    if isEscapeClass || previous == nil {
                        if isEscapeClass && previous != nil { continue }
                        return "a range in a character class cannot use a class escape such as \\d (at \(index - 1))"
                    }
                    if let low = previous, character.value < low.value {
                        return "range out of order in character class at \(index - 1)"
                    }
                    previous = nil
                    continue
                }
                if character == "-", !wasEscaped, index < scalars.count, scalars[index] != "]" {
                    if previous == nil && isEscapeClassBefore(index - 1, classStart: start) {
                        return "a range in a character class cannot use a class escape such as \\d (at \(index - 1))"
                    }
                    if previous != nil {
                        pendingRange = true
                        continue
                    }
                }
                previous = isEscapeClass ? nil : character
            }
            return "unterminated character class starting at \(start)"
        }

        /// Whether the class member just before `dash` was a class escape (`\w-`), which cannot start a range.
        func isEscapeClassBefore(_ dash: Int, classStart: Int) -> Bool {
            guard dash - 2 > classStart, scalars[dash - 2] == "\\" else { return false }
            return ["d", "D", "w", "W", "s", "S"].contains(scalars[dash - 1])
        }
    }
}
