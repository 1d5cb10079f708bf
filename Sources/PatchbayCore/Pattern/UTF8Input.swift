/// The text being searched, as the UTF-8 bytes of a Swift string (always valid UTF-8). Positions are byte offsets,
/// always at the start of a scalar; the engines match scalar by scalar, as ECMAScript does with the `u` flag.
struct UTF8Input {
    let bytes: UnsafeBufferPointer<UInt8>

    var count: Int { bytes.count }

    /// The scalar starting at `offset` and its length in bytes.
    @inline(__always)
    func scalar(at offset: Int) -> (value: UInt32, length: Int) {
        let lead = UInt32(bytes[offset])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 { return ((lead & 0x1F) << 6 | continuation(offset + 1), 2) }
        if lead < 0xF0 { return ((lead & 0x0F) << 12 | continuation(offset + 1) << 6 | continuation(offset + 2), 3) }
        return ((lead & 0x07) << 18 | continuation(offset + 1) << 12 | continuation(offset + 2) << 6 | continuation(offset + 3), 4)
    }

    @inline(__always)
    private func continuation(_ offset: Int) -> UInt32 { UInt32(bytes[offset]) & 0x3F }

    /// Whether the scalar before `offset` is a word character (`\w` is ASCII only, so the byte before tells).
    func isWord(before offset: Int) -> Bool { offset > 0 && Self.isWordByte(bytes[offset - 1]) }

    func isWord(at offset: Int) -> Bool { offset < bytes.count && Self.isWordByte(bytes[offset]) }

    static func isWordByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (0x30...0x39).contains(byte) || (0x61...0x7A).contains(lower) || byte == 0x5F
    }

    func holds(_ assertion: PatternNode.Assertion, at offset: Int) -> Bool {
        switch assertion {
        case .start: offset == 0
        case .end: offset == bytes.count
        case .wordBoundary: isWord(before: offset) != isWord(at: offset)
        case .notWordBoundary: isWord(before: offset) == isWord(at: offset)
        }
    }

    /// Runs `body` on the string's UTF-8 bytes without copying them when the string is native (always on Linux).
    static func with<Result>(_ text: String, _ body: (UTF8Input) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UTF8Input(bytes: $0)) }) { return result }
        var copy = text
        return copy.withUTF8 { body(UTF8Input(bytes: $0)) }
    }
}
