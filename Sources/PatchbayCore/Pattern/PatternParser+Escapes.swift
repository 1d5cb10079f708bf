/// Escapes (`\d`, `\u{1F600}`, `\p{L}`, `\k<name>`) and character classes (`[^a-z\d]`), as ECMAScript reads them
/// with the `u` flag: only syntax characters may be escaped for themselves, and a class escape cannot bound a range.
extension PatternParser {
    mutating func parseAtomEscape(start: Int) throws(PatternError) -> PatternNode {
        guard let character = next() else { throw .syntax("'\\' at end of pattern", at: start) }
        switch character {
        case "1"..."9":
            position -= 1
            let number = parseNumber() ?? 0
            numberedReferences.append((number, start))
            postpone(.unsupported("backreferences such as \\\(number) are not supported", at: start))
            return .empty
        case "k":
            guard peek == "<" else { throw .syntax("invalid escape '\\k'", at: start) }
            position += 1
            let name = try parseGroupName(start: start)
            namedReferences.append((name, start))
            postpone(.unsupported("backreferences such as \\k<\(name)> are not supported", at: start))
            return .empty
        default:
            if let set = try parseClassEscape(character, start: start) { return .set(set) }
            return .set(ScalarSet(try parseCharacterEscape(character, start: start)))
        }
    }

    /// `\d \D \w \W \s \S \p{…} \P{…}`, or nil for any other escape.
    private mutating func parseClassEscape(_ character: Unicode.Scalar, start: Int) throws(PatternError) -> ScalarSet? {
        switch character {
        case "d": return .digits
        case "D": return ScalarSet.digits.inverted()
        case "w": return .word
        case "W": return ScalarSet.word.inverted()
        case "s": return .spaces
        case "S": return ScalarSet.spaces.inverted()
        case "p", "P":
            let set = try parseProperty(start: start)
            return character == "p" ? set : set.inverted()
        default: return nil
        }
    }

    private mutating func parseProperty(start: Int) throws(PatternError) -> ScalarSet {
        guard peek == "{" else { throw .syntax("invalid property escape: expected '{'", at: start) }
        position += 1
        var name = ""
        var value: String?
        while true {
            guard let scalar = next() else { throw .syntax("unterminated property escape", at: start) }
            if scalar == "}" { break }
            if scalar == "=", value == nil {
                value = ""
                continue
            }
            guard scalar.isASCII, scalar.properties.isAlphabetic || scalar == "_" || ("0"..."9").contains(scalar) else {
                throw .syntax("invalid property name", at: start)
            }
            if value != nil {
                value?.unicodeScalars.append(scalar)
            } else {
                name.unicodeScalars.append(scalar)
            }
        }
        switch UnicodePropertySets.lookup(name: name, value: value) {
        case .found(let set):
            return set
        case .unsupported(let message):
            postpone(.unsupported(message, at: start))
            return ScalarSet()
        case .unknown:
            throw .syntax("unknown property name '\(value.map { "\(name)=\($0)" } ?? name)'", at: start)
        }
    }

    /// The escapes that stand for one character, in and out of classes: `\n`, `\cJ`, `\x41`, `\u{1F600}`, `\.`, …
    private mutating func parseCharacterEscape(_ character: Unicode.Scalar, start: Int) throws(PatternError) -> UInt32 {
        switch character {
        case "f": return 0x0C
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "v": return 0x0B
        case "c":
            guard let letter = peek, ("A"..."Z").contains(letter) || ("a"..."z").contains(letter) else {
                throw .syntax("invalid control escape: '\\c' must be followed by a letter", at: start)
            }
            position += 1
            return letter.value % 32
        case "0":
            if let digit = peek, ("0"..."9").contains(digit) { throw .syntax("invalid decimal escape (octal is not allowed)", at: start) }
            return 0
        case "x":
            guard let high = hexDigit(peek), let low = hexDigit(scalar(at: position + 1)) else {
                throw .syntax("invalid escape: '\\x' needs two hexadecimal digits", at: start)
            }
            position += 2
            return high * 16 + low
        case "u":
            guard let value = try parseUnicodeEscape(start: start) else {
                throw .syntax("invalid Unicode escape: use \\uHHHH or \\u{H…}", at: start)
            }
            return value
        case "^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/":
            return character.value
        default:
            throw .syntax("invalid escape '\\\(character)' (only syntax characters may be escaped)", at: start)
        }
    }

    /// After `\u`: `{H…}` or `HHHH`, joining an escaped surrogate pair into one code point as the `u` flag does.
    mutating func parseUnicodeEscape(start: Int) throws(PatternError) -> UInt32? {
        if peek == "{" {
            position += 1
            var value: UInt32 = 0
            var digits = 0
            while let digit = hexDigit(peek) {
                value = value * 16 + digit
                digits += 1
                position += 1
                if value > ScalarSet.maximum { throw .syntax("Unicode escape above U+10FFFF", at: start) }
            }
            guard digits > 0, peek == "}" else { return nil }
            position += 1
            return value
        }
        guard let value = fourHexDigits(at: position) else { return nil }
        position += 4
        if (0xD800...0xDBFF).contains(value), scalar(at: position) == "\\", scalar(at: position + 1) == "u",
            let trail = fourHexDigits(at: position + 2), (0xDC00...0xDFFF).contains(trail)
        {
            position += 6
            return 0x10000 + ((value - 0xD800) << 10) + (trail - 0xDC00)
        }
        return value
    }

    // MARK: Classes

    private enum ClassAtom {
        case scalar(UInt32)
        case set(ScalarSet)
    }

    mutating func parseClass(start: Int) throws(PatternError) -> ScalarSet {
        let negated = peek == "^"
        if negated { position += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let character = peek else { throw .syntax("unterminated character class", at: start) }
            if character == "]" {
                position += 1
                break
            }
            let atomStart = position
            let first = try parseClassAtom(start: start)
            if peek == "-", let after = scalar(at: position + 1), after != "]" {
                position += 1
                let second = try parseClassAtom(start: start)
                guard case .scalar(let low) = first, case .scalar(let high) = second else {
                    throw .syntax("a class escape such as \\d cannot be a range bound", at: atomStart)
                }
                guard low <= high else { throw .syntax("range out of order in character class", at: atomStart) }
                ranges.append(low...high)
                continue
            }
            switch first {
            case .scalar(let value): ranges.append(value...value)
            case .set(let set): ranges += set.ranges
            }
        }
        let set = ScalarSet(ranges)
        return negated ? set.inverted() : set
    }

    private mutating func parseClassAtom(start: Int) throws(PatternError) -> ClassAtom {
        guard let character = next() else { throw .syntax("unterminated character class", at: start) }
        guard character == "\\" else { return .scalar(character.value) }
        let escapeStart = position - 1
        guard let escaped = next() else { throw .syntax("unterminated character class", at: start) }
        switch escaped {
        case "b": return .scalar(0x08)
        case "-": return .scalar(escaped.value)
        default:
            if let set = try parseClassEscape(escaped, start: escapeStart) { return .set(set) }
            return .scalar(try parseCharacterEscape(escaped, start: escapeStart))
        }
    }
}
