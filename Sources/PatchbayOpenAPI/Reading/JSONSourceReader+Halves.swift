import PatchbayCore

/// Reading a large document on two cores. A guess at a member in the middle of the document (pretty-printed JSON
/// shows where members start by their indentation) splits it: one reader reads the first half and stops at that
/// member, the other reads from it to the end, both at once. The first reader checks the guess: it stops only if
/// it reaches that very offset as a member of the same open objects. Otherwise, or when the second half does not
/// read, the document is read whole, so the result (and any error) is always what one reader alone gives.
extension JSONSourceReader {
    /// Smaller documents are read in one go: splitting would save less than it costs.
    public static let halvesThreshold = 512 * 1024

    /// The document read in two halves, or nil when it cannot be split (too small, not indented, or the guess was
    /// wrong): then it is to be read whole.
    static func readInHalves(_ bytes: [UInt8], threshold: Int) throws(SourceReadError) -> (node: SourceNode, warnings: [SourceReadWarning])? {
        guard bytes.count >= threshold, let split = likelySplit(bytes) else { return nil }
        let (first, second) = SideBySide.run(
            { Result { () throws(SourceReadError) in try readWhole(bytes, stoppingAt: split) } },
            { readSecondHalf(bytes, from: split) })
        // Before the split, the first reader reads exactly as one reading the whole: its error is the error.
        let (read, ending) = try first.get()
        switch ending {
        case .whole:
            // It never reached the split: the guess was wrong, and it has read everything.
            return read
        case .unjoinable:
            return try readWhole(bytes, stoppingAt: nil).read
        case .stopped:
            guard let second else { return try readWhole(bytes, stoppingAt: nil).read }
            var warnings = read.warnings
            let node = joined(read.node, second.levels, openPath: split.path, level: 0, warnings: &warnings)
            return (node, warnings + second.warnings)
        }
    }

    /// Whether the reader, at `stop.offset` inside an object `depth` levels down, is inside the open objects named.
    func isAtStop(depth: Int) -> Bool {
        guard let stop, depth == stop.path.count + 1, path.count == stop.path.count else { return false }
        // Byte for byte: Swift's `==` equates canonically equivalent keys, whose pointers would still differ.
        return zip(path, stop.path).allSatisfy { token, key in
            guard case .key(let actual) = token else { return false }
            return actual.utf8.elementsEqual(key.utf8)
        }
    }

    /// The second half: the members from the split to the end of their object, then those that follow each open
    /// object in its parent, out to the root's closing brace; innermost first. Nil when it does not read.
    private static func readSecondHalf(_ bytes: [UInt8], from split: (offset: Int, path: [String])) -> (
        levels: [[SourceNode.Member]], warnings: [SourceReadWarning]
    )? {
        var reader = JSONSourceReader(bytes)
        reader.index = split.offset
        let before = bytes.withUnsafeBufferPointer { buffer in
            var count = 0
            for offset in 0..<split.offset { count &+= buffer[offset] == UInt8(ascii: "\n") ? 1 : 0 }
            return count
        }
        reader.line = before + 1
        reader.lineStart = (bytes[..<split.offset].lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        reader.path = split.path.map { .key($0) }
        var levels: [[SourceNode.Member]] = []
        do {
            for depth in (1...split.path.count + 1).reversed() {
                var members: [SourceNode.Member] = []
                var seen = KeyTracker()
                if depth == split.path.count + 1 {
                    try reader.readMembers(into: &members, seen: &seen, depth: depth)
                } else {
                    reader.path.removeLast()
                    reader.skipWhitespace()
                    guard reader.index < bytes.count else { return nil }
                    switch bytes[reader.index] {
                    case UInt8(ascii: ","):
                        reader.index += 1
                        try reader.readMembers(into: &members, seen: &seen, depth: depth)
                    case UInt8(ascii: "}"):
                        reader.index += 1
                    default:
                        return nil
                    }
                }
                levels.append(members)
            }
        } catch {
            return nil
        }
        reader.skipWhitespace()
        guard reader.index == bytes.count else { return nil }
        return (levels, reader.warnings)
    }

    /// The first half's tree with the second half's members added to each open object, the innermost first.
    /// A key the first half already has is a duplicate, as it would have been reading the whole.
    private static func joined(
        _ node: SourceNode, _ levels: [[SourceNode.Member]], openPath: [String], level: Int, warnings: inout [SourceReadWarning]
    ) -> SourceNode {
        guard case .object(var members) = node.value else { return node }
        if level < openPath.count, let open = members.indices.last {
            members[open].value = joined(members[open].value, levels, openPath: openPath, level: level + 1, warnings: &warnings)
        }
        var seen = KeyTracker()
        for member in levels[openPath.count - level] {
            if seen.isNew(member.key, in: members) {
                members.append(member)
            } else {
                let pointer = (openPath.prefix(level) + [member.key]).reduce("") { JSONPointer.appending($1, to: $0) }
                warnings.append(
                    SourceReadWarning(
                        message: "duplicate key \"\(member.key)\"; the first one is used", pointer: pointer, position: member.keyPosition))
            }
        }
        return SourceNode(.object(members), at: node.position)
    }

    /// Guesses a member near the middle of an indented document, and the keys of the objects it is in: the first
    /// line past the middle that starts, at a multiple of the root members' indentation, a key after a comma.
    /// The open objects are found by going back to the nearest line indented less, one level at a time.
    static func likelySplit(_ bytes: [UInt8]) -> (offset: Int, path: [String])? {
        // The root's first key, and the indentation before it.
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""),
            let lineStart = bytes[..<index].lastIndex(of: UInt8(ascii: "\n")).map({ $0 + 1 }), index > lineStart
        else { return nil }
        let unit = index - lineStart
        let indentation = bytes[lineStart]
        guard indentation == UInt8(ascii: " ") || indentation == UInt8(ascii: "\t"),
            bytes[lineStart..<index].allSatisfy({ $0 == indentation })
        else { return nil }

        // A member start past the middle: at most four levels down, and looked for over at most 64 KiB.
        var candidate: (offset: Int, depth: Int)?
        var newline = bytes[(bytes.count / 2)...].firstIndex(of: UInt8(ascii: "\n"))
        while let at = newline, at < bytes.count / 2 + 65_536, candidate == nil {
            let width = indent(bytes, lineAfter: at, of: indentation)
            let start = at + 1 + width
            if width > 0, width % unit == 0, width / unit <= 4, start < bytes.count, bytes[start] == UInt8(ascii: "\""),
                previousToken(bytes, before: at) == UInt8(ascii: ",")
            {
                candidate = (start, width / unit)
            }
            newline = bytes[(at + 1)...].firstIndex(of: UInt8(ascii: "\n"))
        }
        guard let candidate else { return nil }

        // The keys of the open objects, innermost first: each is the key on the nearest line above indented less.
        var path: [String] = []
        var from = candidate.offset
        for depth in (1..<candidate.depth).reversed() {
            guard let key = openingKey(bytes, before: from, indentedBy: depth * unit, of: indentation) else { return nil }
            path.insert(key.key, at: 0)
            from = key.offset
        }
        return (candidate.offset, path)
    }

    /// The key on the nearest line above `offset` indented less than the level below `width`, when that line is
    /// `"key": {` indented exactly by `width`; and where that key starts.
    private static func openingKey(_ bytes: [UInt8], before offset: Int, indentedBy width: Int, of indentation: UInt8) -> (
        key: String, offset: Int
    )? {
        var newline = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n"))
        while let at = newline {
            let lineWidth = indent(bytes, lineAfter: at, of: indentation)
            let start = at + 1 + lineWidth
            if start < bytes.count, !isSpace(bytes[start]), lineWidth <= width {
                guard lineWidth == width, bytes[start] == UInt8(ascii: "\"") else { return nil }
                var reader = JSONSourceReader(bytes)
                reader.index = start
                guard let key = try? reader.readString() else { return nil }
                reader.skipWhitespace()
                guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: ":") else { return nil }
                reader.index += 1
                reader.skipWhitespace()
                guard reader.index < bytes.count, bytes[reader.index] == UInt8(ascii: "{") else { return nil }
                return (key, start)
            }
            newline = at == 0 ? nil : bytes[..<at].lastIndex(of: UInt8(ascii: "\n"))
        }
        return nil
    }

    /// How many `indentation` bytes start the line after the newline at `newline`.
    private static func indent(_ bytes: [UInt8], lineAfter newline: Int, of indentation: UInt8) -> Int {
        var index = newline + 1
        while index < bytes.count, bytes[index] == indentation { index += 1 }
        return index - newline - 1
    }

    /// The last byte before `offset` that is not whitespace.
    private static func previousToken(_ bytes: [UInt8], before offset: Int) -> UInt8? {
        var index = offset - 1
        while index >= 0, isSpace(bytes[index]) { index -= 1 }
        return index >= 0 ? bytes[index] : nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
