import Synchronization

/// The code points of `\p{…}`: general categories (`L`, `Letter`, `gc=Lu`, `General_Category=Decimal_Number`) and
/// the binary properties Swift's `Unicode.Scalar.Properties` knows, computed from the standard library's tables
/// once per process and kept.
enum UnicodePropertySets {
    enum Lookup {
        case found(ScalarSet)
        /// A name ECMAScript accepts that these tables cannot answer (scripts, a few emoji properties).
        case unsupported(String)
        /// Not a property name ECMAScript knows: a syntax error, as in JavaScript.
        case unknown
    }

    static func lookup(name: String, value: String?) -> Lookup {
        if let value {
            switch name {
            case "General_Category", "gc":
                return category(value).map { .found($0) } ?? .unknown
            case "Script", "sc", "Script_Extensions", "scx":
                return .unsupported("script properties such as \\p{\(name)=\(value)} are not supported")
            default:
                return .unknown
            }
        }
        if let set = category(name) { return .found(set) }
        switch name {
        case "Any": return .found(.all)
        case "ASCII": return .found(ScalarSet([0...0x7F]))
        case "Assigned": return category("Cn").map { .found($0.inverted()) } ?? .unknown
        case "Regional_Indicator", "RI": return .found(ScalarSet([0x1F1E6...0x1F1FF]))
        case "Emoji_Component", "EComp", "Extended_Pictographic", "ExtPict":
            return .unsupported("the property \(name) is not supported")
        default: break
        }
        guard let (canonical, predicate) = binaryProperty(name) else { return .unknown }
        if let cached = binaryCache.withLock({ $0[canonical] }) { return .found(cached) }
        let set = ScalarSet(classify { scalar in scalar.map { predicate($0.properties) } ?? false }[true] ?? [])
        binaryCache.withLock { $0[canonical] = set }
        return .found(set)
    }

    private static let binaryCache = Mutex<[String: ScalarSet]>([:])

    // MARK: General categories

    private static let categoryAliases: [String: String] = [
        "Letter": "L", "Cased_Letter": "LC", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll", "Titlecase_Letter": "Lt",
        "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Mark": "M", "Combining_Mark": "M", "Nonspacing_Mark": "Mn",
        "Spacing_Mark": "Mc", "Enclosing_Mark": "Me", "Number": "N", "Decimal_Number": "Nd", "digit": "Nd", "Letter_Number": "Nl",
        "Other_Number": "No", "Punctuation": "P", "punct": "P", "Connector_Punctuation": "Pc", "Dash_Punctuation": "Pd",
        "Open_Punctuation": "Ps", "Close_Punctuation": "Pe", "Initial_Punctuation": "Pi", "Final_Punctuation": "Pf",
        "Other_Punctuation": "Po", "Symbol": "S", "Math_Symbol": "Sm", "Currency_Symbol": "Sc", "Modifier_Symbol": "Sk",
        "Other_Symbol": "So", "Separator": "Z", "Space_Separator": "Zs", "Line_Separator": "Zl", "Paragraph_Separator": "Zp",
        "Other": "C", "Control": "Cc", "cntrl": "Cc", "Format": "Cf", "Surrogate": "Cs", "Private_Use": "Co", "Unassigned": "Cn",
    ]

    private static let categoryGroups: [String: [String]] = [
        "L": ["Lu", "Ll", "Lt", "Lm", "Lo"], "LC": ["Lu", "Ll", "Lt"], "M": ["Mn", "Mc", "Me"], "N": ["Nd", "Nl", "No"],
        "P": ["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"], "S": ["Sm", "Sc", "Sk", "So"], "Z": ["Zs", "Zl", "Zp"],
        "C": ["Cc", "Cf", "Cs", "Co", "Cn"],
    ]

    /// Every two-letter category's code points, from one pass over the code space on first use.
    private static let categories: [String: ScalarSet] = {
        let ranges = classify { scalar in scalar.map { abbreviation($0.properties.generalCategory) } ?? "Cs" }
        return ranges.mapValues { ScalarSet($0) }
    }()

    private static func category(_ name: String) -> ScalarSet? {
        let short = categoryAliases[name] ?? name
        if let members = categoryGroups[short] {
            return members.reduce(ScalarSet()) { $0.union(categories[$1] ?? ScalarSet()) }
        }
        guard short.count == 2, short.first?.isUppercase == true, categoryAliases.values.contains(short) else { return nil }
        return categories[short] ?? ScalarSet()
    }

    private static func abbreviation(_ category: Unicode.GeneralCategory) -> String {
        switch category {
        case .uppercaseLetter: "Lu"
        case .lowercaseLetter: "Ll"
        case .titlecaseLetter: "Lt"
        case .modifierLetter: "Lm"
        case .otherLetter: "Lo"
        case .nonspacingMark: "Mn"
        case .spacingMark: "Mc"
        case .enclosingMark: "Me"
        case .decimalNumber: "Nd"
        case .letterNumber: "Nl"
        case .otherNumber: "No"
        case .connectorPunctuation: "Pc"
        case .dashPunctuation: "Pd"
        case .openPunctuation: "Ps"
        case .closePunctuation: "Pe"
        case .initialPunctuation: "Pi"
        case .finalPunctuation: "Pf"
        case .otherPunctuation: "Po"
        case .mathSymbol: "Sm"
        case .currencySymbol: "Sc"
        case .modifierSymbol: "Sk"
        case .otherSymbol: "So"
        case .spaceSeparator: "Zs"
        case .lineSeparator: "Zl"
        case .paragraphSeparator: "Zp"
        case .control: "Cc"
        case .format: "Cf"
        case .surrogate: "Cs"
        case .privateUse: "Co"
        case .unassigned: "Cn"
        @unknown default: "Cn"
        }
    }

    // MARK: Binary properties

    private typealias Predicate = (Unicode.Scalar.Properties) -> Bool

    private static func binaryProperty(_ name: String) -> (String, Predicate)? {
        switch name {
        case "ASCII_Hex_Digit", "AHex": ("AHex", { $0.isASCIIHexDigit })
        case "Alphabetic", "Alpha": ("Alpha", { $0.isAlphabetic })
        case "Bidi_Control", "Bidi_C": ("Bidi_C", { $0.isBidiControl })
        case "Bidi_Mirrored", "Bidi_M": ("Bidi_M", { $0.isBidiMirrored })
        case "Case_Ignorable", "CI": ("CI", { $0.isCaseIgnorable })
        case "Cased": ("Cased", { $0.isCased })
        case "Changes_When_Casefolded", "CWCF": ("CWCF", { $0.changesWhenCaseFolded })
        case "Changes_When_Casemapped", "CWCM": ("CWCM", { $0.changesWhenCaseMapped })
        case "Changes_When_Lowercased", "CWL": ("CWL", { $0.changesWhenLowercased })
        case "Changes_When_NFKC_Casefolded", "CWKCF": ("CWKCF", { $0.changesWhenNFKCCaseFolded })
        case "Changes_When_Titlecased", "CWT": ("CWT", { $0.changesWhenTitlecased })
        case "Changes_When_Uppercased", "CWU": ("CWU", { $0.changesWhenUppercased })
        case "Dash": ("Dash", { $0.isDash })
        case "Default_Ignorable_Code_Point", "DI": ("DI", { $0.isDefaultIgnorableCodePoint })
        case "Deprecated", "Dep": ("Dep", { $0.isDeprecated })
        case "Diacritic", "Dia": ("Dia", { $0.isDiacritic })
        case "Emoji": ("Emoji", { $0.isEmoji })
        case "Emoji_Modifier", "EMod": ("EMod", { $0.isEmojiModifier })
        case "Emoji_Modifier_Base", "EBase": ("EBase", { $0.isEmojiModifierBase })
        case "Emoji_Presentation", "EPres": ("EPres", { $0.isEmojiPresentation })
        case "Extender", "Ext": ("Ext", { $0.isExtender })
        case "Grapheme_Base", "Gr_Base": ("Gr_Base", { $0.isGraphemeBase })
        case "Grapheme_Extend", "Gr_Ext": ("Gr_Ext", { $0.isGraphemeExtend })
        case "Hex_Digit", "Hex": ("Hex", { $0.isHexDigit })
        case "IDS_Binary_Operator", "IDSB": ("IDSB", { $0.isIDSBinaryOperator })
        case "IDS_Trinary_Operator", "IDST": ("IDST", { $0.isIDSTrinaryOperator })
        case "ID_Continue", "IDC": ("IDC", { $0.isIDContinue })
        case "ID_Start", "IDS": ("IDS", { $0.isIDStart })
        case "Ideographic", "Ideo": ("Ideo", { $0.isIdeographic })
        case "Join_Control", "Join_C": ("Join_C", { $0.isJoinControl })
        case "Logical_Order_Exception", "LOE": ("LOE", { $0.isLogicalOrderException })
        case "Lowercase", "Lower": ("Lower", { $0.isLowercase })
        case "Math": ("Math", { $0.isMath })
        case "Noncharacter_Code_Point", "NChar": ("NChar", { $0.isNoncharacterCodePoint })
        case "Pattern_Syntax", "Pat_Syn": ("Pat_Syn", { $0.isPatternSyntax })
        case "Pattern_White_Space", "Pat_WS": ("Pat_WS", { $0.isPatternWhitespace })
        case "Quotation_Mark", "QMark": ("QMark", { $0.isQuotationMark })
        case "Radical": ("Radical", { $0.isRadical })
        case "Sentence_Terminal", "STerm": ("STerm", { $0.isSentenceTerminal })
        case "Soft_Dotted", "SD": ("SD", { $0.isSoftDotted })
        case "Terminal_Punctuation", "Term": ("Term", { $0.isTerminalPunctuation })
        case "Unified_Ideograph", "UIdeo": ("UIdeo", { $0.isUnifiedIdeograph })
        case "Uppercase", "Upper": ("Upper", { $0.isUppercase })
        case "Variation_Selector", "VS": ("VS", { $0.isVariationSelector })
        case "White_Space", "space": ("space", { $0.isWhitespace })
        case "XID_Continue", "XIDC": ("XIDC", { $0.isXIDContinue })
        case "XID_Start", "XIDS": ("XIDS", { $0.isXIDStart })
        default: nil
        }
    }

    // MARK: Walking the code space

    /// Groups the code space into ranges by `key` (given nil for surrogates). Planes 4 to 13, most of plane 14 and the
    /// private-use planes 15 and 16 hold no assigned character but the two noncharacters ending every plane, so one
    /// representative answers for each of those stretches: that keeps first use of a property near 20 ms, not 100.
    private static func classify<Key: Hashable>(_ key: (Unicode.Scalar?) -> Key) -> [Key: [ClosedRange<UInt32>]] {
        var runs = Runs(first: key(Unicode.Scalar(0)))
        func scan(_ range: ClosedRange<UInt32>) {
            for value in range { runs.add(value...value, key(Unicode.Scalar(value))) }
        }
        scan(1...0x3FFFF)
        for plane in UInt32(4)...16 {
            let start = plane << 16
            var stretch = start
            if plane == 14 {
                scan(start...(start + 0xFFF))
                stretch = start + 0x1000
            }
            runs.add(stretch...(start + 0xFFFD), key(Unicode.Scalar(stretch)))
            scan((start + 0xFFFE)...(start + 0xFFFF))
        }
        return runs.finished()
    }

    /// Consecutive ranges with their keys, merged while the key stays the same.
    private struct Runs<Key: Hashable> {
        var result: [Key: [ClosedRange<UInt32>]] = [:]
        var start: UInt32 = 0
        var end: UInt32 = 0
        var key: Key

        init(first: Key) { key = first }

        mutating func add(_ range: ClosedRange<UInt32>, _ value: Key) {
            if value == key {
                end = range.upperBound
                return
            }
            result[key, default: []].append(start...end)
            (start, end, key) = (range.lowerBound, range.upperBound, value)
        }

        mutating func finished() -> [Key: [ClosedRange<UInt32>]] {
            result[key, default: []].append(start...end)
            return result
        }
    }
}
