import PatchbayCore

/// A problem that stops reading: the message and where it is.
public struct SourceReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: SourcePosition

    public init(_ message: String, at position: SourcePosition) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(position): \(message)" }
}

/// Something worth telling that does not stop reading, such as a duplicate key (the first occurrence wins, as
/// most tools' "last wins" would silently hide a value; either way the document is ambiguous).
public struct SourceReadWarning: Sendable, Equatable {
    public var message: String
    public var pointer: String
    public var position: SourcePosition
}

/// Reads JSON (RFC 8259) into `SourceNode`s with positions. Foundation's parser keeps no positions, and lint
/// problems must name a line. JSON allows a line break only in whitespace between tokens, so the reader counts lines
/// as it skips whitespace, at no cost per value. Large documents are read in two halves side by side (see
/// `JSONSourceReader+Halves.swift`).
public struct JSONSourceReader {
    /// Deeper nesting is refused rather than risking the stack (real API descriptions stay far below this).
    public static let maximumDepth = 256

    public internal(set) var warnings: [SourceReadWarning] = []
    let bytes: [UInt8]
    var index = 0
    /// The current line (1-based) and the offset it starts at.
    var line = 1
    var lineStart = 0
    /// Where the reader is, for warnings; pointers are only built when one is raised.
    var path: [PathToken] = []
    /// Reading the first half: where to stop (a member's key inside the open objects `stop.path`), and whether
    /// the reader did.
    var stop: (offset: Int, path: [String])?
    var stopped = false
    var unjoinable = false

    enum PathToken: Equatable {
        case key(String)
        case index(Int)
    }

    var pointer: String {
        var pointer = ""
        for token in path {
            switch token {
            case .key(let key): pointer = JSONPointer.appending(key, to: pointer)
            case .index(let index): pointer += "/\(index)"
            }
        }
        return pointer
    }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads one JSON document; anything but whitespace after it is an error. A document of `halvesFrom` bytes or
    /// more is read in two halves side by side when it can be, with the same result (tests and fuzzing compare).
    public static func read(_ bytes: [UInt8], halvesFrom threshold: Int = halvesThreshold) throws(SourceReadError) -> (
        node: SourceNode, warnings: [SourceReadWarning]
    ) {
        if let halves = try readInHalves(bytes, threshold: threshold) { return halves }
        return try readWhole(bytes, stoppingAt: nil).read
    }

    /// How a reading with a stop ended.
    enum Ending {
        /// It read the whole document (there was no stop, or it never reached it).
        case whole
        /// It stopped, and the last members down to the stop are open.
        case stopped
        /// It stopped where the halves cannot be joined (the open member's key is a duplicate).
        case unjoinable
    }

    /// The whole document or, when `stop` is given and reached, the part before it.
    static func readWhole(_ bytes: [UInt8], stoppingAt stop: (offset: Int, path: [String])?) throws(SourceReadError) -> (
        read: (node: SourceNode, warnings: [SourceReadWarning]), ending: Ending
    ) {
        var reader = JSONSourceReader(bytes)
        reader.stop = stop
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        reader.skipWhitespace()
        let node = try reader.readValue(depth: 0)
        if reader.stopped { return ((node, reader.warnings), reader.unjoinable ? .unjoinable : .stopped) }
        reader.skipWhitespace()
        if reader.index < bytes.count { throw reader.error("unexpected content after the document") }
        return ((node, reader.warnings), .whole)
    }

    /// The position of any offset, counting lines from the start (for errors, which are rare).
    public func position(ofOffset offset: Int) -> SourcePosition {
        var line = 1
        var start = 0
        for (at, byte) in bytes[..<min(offset, bytes.count)].enumerated() where byte == UInt8(ascii: "\n") {
            line += 1
            start = at + 1
        }
        return SourcePosition(line: line, column: offset - start + 1, offset: offset)
    }

    /// The position of the current offset (every value and key is read there, after whitespace).
    private func currentPosition() -> SourcePosition {
        SourcePosition(line: line, column: index - lineStart + 1, offset: index)
    }

    func error(_ message: String, at offset: Int? = nil) -> SourceReadError {
        SourceReadError(message, at: position(ofOffset: min(offset ?? index, bytes.count)))
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0D, 0x09: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws(SourceReadError) -> SourceNode {
        guard index < bytes.count else { throw error("the document ends where a value was expected") }
        let at = currentPosition()
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            return SourceNode(.object(try readObject(depth: depth + 1)), at: at)
        case UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
            return SourceNode(.array(try readArray(depth: depth + 1)), at: at)
        case UInt8(ascii: "\""):
            return SourceNode(.string(try readString()), at: at)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return SourceNode(.bool(true), at: at)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return SourceNode(.bool(false), at: at)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return SourceNode(.null, at: at)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return SourceNode(.number(try readNumber()), at: at)
        default:
            throw error("unexpected \(describe(bytes[index])) where a value was expected")
        }
    }

    private mutating func readObject(depth: Int) throws(SourceReadError) -> [SourceNode.Member] {
        index += 1
        var members: [SourceNode.Member] = []
        var seen = KeyTracker()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        try readMembers(into: &members, seen: &seen, depth: depth)
        return members
    }

    /// An object's members from a key on, through its closing brace (or, reading a first half, up to the stop).
    mutating func readMembers(into members: inout [SourceNode.Member], seen: inout KeyTracker, depth: Int) throws(SourceReadError) {
        while true {
            skipWhitespace()
            if index == stop?.offset, isAtStop(depth: depth) {
                stopped = true
                return
            }
            guard index < bytes.count else { throw error("the document ends inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted key, found \(describe(bytes[index]))") }
            let keyPosition = currentPosition()
            let key = try readString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let value = try readValue(depth: depth)
            if seen.isNew(key, in: members) {
                members.append(SourceNode.Member(key: key, keyPosition: keyPosition, value: value))
            } else if stopped {
                // The open member is a duplicate, which reading the whole would drop: the halves cannot be joined.
                unjoinable = true
            } else {
                warnings.append(
                    SourceReadWarning(message: "duplicate key \"\(key)\"; the first one is used", pointer: pointer, position: keyPosition))
            }
            path.removeLast()
            if stopped { return }
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw error("expected ',' or '}' in an object, found \(describe(bytes[index]))")
            }
        }
    }

    private mutating func readArray(depth: Int) throws(SourceReadError) -> [SourceNode] {
        index += 1
        var items: [SourceNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipWhitespace()
            path.append(.index(items.count))
            items.append(try readValue(depth: depth))
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw error("the document ends inside an array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return items
            default: throw error("expected ',' or ']' in an array, found \(describe(bytes[index]))")
            }
        }
    }

    mutating func readString() throws(SourceReadError) -> String {
        let start = index
        index += 1
        var scalars: [UInt8] = []
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scalars.append(contentsOf: bytes[runStart..<index])
                index += 1
                // Invalid UTF-8 becomes U+FFFD rather than an error: a lint finding, not a wall.
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte < 0x20 { throw error("a control character (\(describe(byte))) inside a string; escape it") }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            scalars.append(contentsOf: bytes[runStart..<index])
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append(0x22)
            case UInt8(ascii: "\\"): scalars.append(0x5C)
            case UInt8(ascii: "/"): scalars.append(0x2F)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try readHex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try readHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalars.append(contentsOf: Self.utf8(0xFFFD))
                        code = low
                    }
                }
                scalars.append(contentsOf: Self.utf8(Unicode.Scalar(code) == nil ? 0xFFFD : code))
            default:
                throw error("unknown escape \\\(describe(escape)) in a string", at: index - 2)
            }
            runStart = index
        }
        throw error("the string that starts here is never closed", at: start)
    }

    private mutating func readHex4() throws(SourceReadError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("\\u needs four hex digits") }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("\\u needs four hex digits")
            }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    private static func utf8(_ code: UInt32) -> [UInt8] {
        guard let scalar = Unicode.Scalar(code) else { return [0xEF, 0xBF, 0xBD] }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func readNumber() throws(SourceReadError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ reader: inout JSONSourceReader) -> Int {
            let from = reader.index
            while reader.index < reader.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(reader.bytes[reader.index]) {
                reader.index += 1
            }
            return reader.index - from
        }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw error("a number needs digits", at: start) }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { throw error("a number must not start with 0", at: start) }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'", at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent", at: start) }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SourceReadError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw error("unexpected \(describe(bytes[index])) where a value was expected")
        }
        index += expected.count
    }

    func describe(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }
}
