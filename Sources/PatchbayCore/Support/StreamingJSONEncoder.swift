import Foundation

/// Encodes a value to JSON bytes as its `encode(to:)` runs, with no tree in between: the same JSON values as
/// Foundation's `JSONEncoder` with `.withoutEscapingSlashes` and default strategies (strings and numbers byte for
/// byte; an object's members in the order they were encoded, where `JSONEncoder` on Linux uses hash order), in a
/// fraction of the time (an API response spent more in `JSONEncoder` than in its database reads).
///
/// It takes only the straight path every synthesized `Encodable` follows. Whatever it cannot write as `JSONEncoder`
/// would (a key written twice in one object, a container used after a later one was opened, a super-encoder, `Date`,
/// `Data`, `URL`, `Decimal`, 128-bit integers, NaN, a value that encodes nothing at the top, an error caught inside
/// `encode(to:)` after part of a value was written) makes `encode` return nil, and the caller uses `JSONEncoder`;
/// errors the value itself throws are thrown.
public enum StreamingJSONEncoder {
    public static func encode(_ value: some Encodable) throws -> [UInt8]? {
        let writer = JSONStreamWriter()
        do {
            // `JSONEncoder` refuses a top-level value that encodes nothing; its error is the one to give.
            try StreamingEncoder.encode(value, writer: writer, depth: 0, nothingIsEmptyObject: false)
        } catch is StreamingJSONUnsupported {
            return nil
        }
        guard !writer.failed, !writer.bytes.isEmpty else { return nil }
        writer.close(downTo: 0)
        return writer.bytes
    }
}

/// Thrown (and caught by `encode`) where the stream cannot follow; never seen by callers.
struct StreamingJSONUnsupported: Error {}

/// The bytes so far and the containers still open, innermost last.
final class JSONStreamWriter {
    struct Frame {
        let serial: Int
        let isObject: Bool
        /// The value position that opened it: the same value may ask for its keyed container again.
        let slot: Int
        var count = 0
        /// Keys written so far, looked through while few, hashed beyond.
        var keys: [String] = []
        var keySet: Set<String>?
    }

    // Unchecked: one encoding runs on one thread, start to end, and the checks on each append were a fifth of its time.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var frames: [Frame] = []
    /// Set when a non-throwing entry point (`container(keyedBy:)`) met what it cannot write: the result is dropped.
    var failed = false
    @exclusivity(unchecked) private var serial = 0
    /// The one value position that may be written now (after a key, a comma, or at the top), by serial.
    @exclusivity(unchecked) private var slot: Int?

    init() {
        bytes.reserveCapacity(512)
    }

    /// Marks the bytes as unusable and gives the error to throw: an `encode(to:)` that catches it and goes on cannot
    /// leave a half-written member in the result, which is then dropped.
    func unsupported() -> StreamingJSONUnsupported {
        failed = true
        return StreamingJSONUnsupported()
    }

    func nextSerial() -> Int {
        serial += 1
        return serial
    }

    /// Marks the position after a key (or an array's comma, or the top) as the place for the next value.
    func openSlot() -> Int {
        let id = nextSerial()
        slot = id
        return id
    }

    /// Takes the value position `id`, if it is still the current one.
    func take(_ id: Int) -> Bool {
        guard slot == id else { return false }
        slot = nil
        return true
    }

    func close(downTo depth: Int) {
        while frames.count > depth {
            bytes.append(frames.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Whether the container `serial` at `index` is still open.
    func isOpen(_ serial: Int, at index: Int) -> Bool {
        index < frames.count && frames[index].serial == serial
    }

    func open(isObject: Bool, for slot: Int) -> Int {
        let serial = nextSerial()
        frames.append(Frame(serial: serial, isObject: isObject, slot: slot))
        bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        return serial
    }

    /// Writes `"key":` into the object at `index` (closing what was opened inside it since), or throws where
    /// `JSONEncoder` would keep only the last of two values for one key.
    func writeKey(_ key: String, into serial: Int, at index: Int) throws {
        guard isOpen(serial, at: index) else { throw unsupported() }
        close(downTo: index + 1)
        if frames[index].keySet != nil {
            guard frames[index].keySet!.insert(key).inserted else { throw unsupported() }
        } else {
            guard !frames[index].keys.contains(key) else { throw unsupported() }
            frames[index].keys.append(key)
            if frames[index].keys.count > 8 {
                frames[index].keySet = Set(frames[index].keys)
                frames[index].keys = []
            }
        }
        if frames[index].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[index].count += 1
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Moves to the next element of the array at `index`.
    func writeComma(into serial: Int, at index: Int) throws {
        guard isOpen(serial, at: index) else { throw unsupported() }
        close(downTo: index + 1)
        if frames[index].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[index].count += 1
    }

    func writeString(_ string: String) {
        JSONText.appendString(string, to: &bytes)
    }

    /// Digits straight into the bytes (`String(value)` allocated a string per number).
    func writeInteger<T: BinaryInteger>(_ value: T) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // The magnitude fits in UInt64 for every standard integer type, Int64.min included.
        var magnitude = UInt64(value.magnitude)
        // 24 bytes on the stack: UInt64.max has 20 digits.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: buffer[index...])
        }
    }

    /// As `JSONEncoder` writes it: the shortest round-tripping form, without a trailing ".0".
    func writeFloat(_ value: some BinaryFloatingPoint & CustomStringConvertible) throws {
        guard value.isFinite else { throw unsupported() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    func writeLiteral(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

/// One value position: the top, an object's member or an array's element. `depth` is how many containers enclose it.
///
/// Three words, so an `any Encoder` holds it without a heap box. It keeps no coding path (always empty): nothing it
/// throws leaves `encode`, and `JSONEncoder`, which takes over then, reports the path.
struct StreamingEncoder: Encoder {
    let writer: JSONStreamWriter
    let depth: Int
    let slot: Int

    init(writer: JSONStreamWriter, depth: Int, slot: Int) {
        self.writer = writer
        self.depth = depth
        self.slot = slot
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(StreamingKeyedContainer<Key>(encoder: self, serial: openContainer(isObject: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        StreamingUnkeyedContainer(encoder: self, serial: openContainer(isObject: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        StreamingSingleValueContainer(encoder: self)
    }

    /// The serial of this value's container: opened now, or the one opened before if it is of the same kind and
    /// still open; -1 (and the writer marked failed) otherwise.
    private func openContainer(isObject: Bool) -> Int {
        if writer.take(slot) {
            writer.close(downTo: depth)
            return writer.open(isObject: isObject, for: slot)
        }
        // A second keyed container of one value (its fields, then a wrapper's) continues the same object.
        if isObject, depth < writer.frames.count, writer.frames[depth].slot == slot, writer.frames[depth].isObject {
            return writer.frames[depth].serial
        }
        writer.failed = true
        return -1
    }

    /// Fills this position with a scalar.
    func fill(_ write: () throws -> Void) throws {
        guard writer.take(slot) else { throw writer.unsupported() }
        writer.close(downTo: depth)
        try write()
    }

    /// Encodes `value` at a fresh position just written (after its key or comma), one level below `self`'s container.
    func encodeChild(_ value: some Encodable) throws {
        try Self.encode(value, writer: writer, depth: depth + 1)
    }

    static func encode<T: Encodable>(_ value: T, writer: JSONStreamWriter, depth: Int, nothingIsEmptyObject: Bool = true) throws {
        // Foundation writes these its own way (a date as seconds since 2001, data as base64, a URL as its string).
        if T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self { throw writer.unsupported() }
        let child = StreamingEncoder(writer: writer, depth: depth, slot: writer.openSlot())
        do {
            try value.encode(to: child)
        } catch {
            // Whatever part of the value was written stays behind: should a caller up the tree catch this and go on,
            // the result is dropped.
            writer.failed = true
            throw error
        }
        if writer.failed { throw writer.unsupported() }
        // A value that encodes nothing is an empty object to `JSONEncoder`.
        if writer.take(child.slot) {
            guard nothingIsEmptyObject else { throw writer.unsupported() }
            writer.close(downTo: depth)
            writer.writeLiteral("{}")
        }
    }
}

struct StreamingKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: StreamingEncoder
    let serial: Int

    var codingPath: [any CodingKey] { encoder.codingPath }
    private var writer: JSONStreamWriter { encoder.writer }

    private func key(_ key: Key) throws {
        guard serial >= 0 else { throw writer.unsupported() }
        try writer.writeKey(key.stringValue, into: serial, at: encoder.depth)
    }

    mutating func encodeNil(forKey key: Key) throws {
        try self.key(key)
        writer.writeLiteral("null")
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try self.key(key)
        value ? writer.writeLiteral("true") : writer.writeLiteral("false")
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try self.key(key)
        writer.writeString(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        try self.key(key)
        try writer.writeFloat(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        try self.key(key)
        try writer.writeFloat(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try integer(value, key) }

    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128, forKey key: Key) throws { throw writer.unsupported() }
    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128, forKey key: Key) throws { throw writer.unsupported() }

    private func integer(_ value: some BinaryInteger, _ key: Key) throws {
        try self.key(key)
        writer.writeInteger(value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try self.key(key)
        try encoder.encodeChild(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = nested(key)
        guard !writer.failed else { return KeyedEncodingContainer(StreamingKeyedContainer<NestedKey>(encoder: child, serial: -1)) }
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = nested(key)
        guard !writer.failed else { return StreamingUnkeyedContainer(encoder: child, serial: -1) }
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { unsupported() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { unsupported() }

    /// A position for a nested container after `key`; a failed one when the key cannot be written.
    private func nested(_ key: Key) -> StreamingEncoder {
        do {
            try self.key(key)
        } catch {
            writer.failed = true
        }
        return StreamingEncoder(writer: writer, depth: encoder.depth + 1, slot: writer.openSlot())
    }

    private func unsupported() -> any Encoder {
        writer.failed = true
        return StreamingEncoder(writer: writer, depth: encoder.depth + 1, slot: -1)
    }
}

struct StreamingUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: StreamingEncoder
    let serial: Int
    private(set) var count = 0

    init(encoder: StreamingEncoder, serial: Int) {
        self.encoder = encoder
        self.serial = serial
    }

    var codingPath: [any CodingKey] { encoder.codingPath }
    private var writer: JSONStreamWriter { encoder.writer }

    private mutating func comma() throws {
        guard serial >= 0 else { throw writer.unsupported() }
        try writer.writeComma(into: serial, at: encoder.depth)
        count += 1
    }

    mutating func encodeNil() throws {
        try comma()
        writer.writeLiteral("null")
    }
    mutating func encode(_ value: Bool) throws {
        try comma()
        value ? writer.writeLiteral("true") : writer.writeLiteral("false")
    }
    mutating func encode(_ value: String) throws {
        try comma()
        writer.writeString(value)
    }
    mutating func encode(_ value: Double) throws {
        try comma()
        try writer.writeFloat(value)
    }
    mutating func encode(_ value: Float) throws {
        try comma()
        try writer.writeFloat(value)
    }
    mutating func encode(_ value: Int) throws { try integer(value) }
    mutating func encode(_ value: Int8) throws { try integer(value) }
    mutating func encode(_ value: Int16) throws { try integer(value) }
    mutating func encode(_ value: Int32) throws { try integer(value) }
    mutating func encode(_ value: Int64) throws { try integer(value) }
    mutating func encode(_ value: UInt) throws { try integer(value) }
    mutating func encode(_ value: UInt8) throws { try integer(value) }
    mutating func encode(_ value: UInt16) throws { try integer(value) }
    mutating func encode(_ value: UInt32) throws { try integer(value) }
    mutating func encode(_ value: UInt64) throws { try integer(value) }

    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128) throws { throw writer.unsupported() }
    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128) throws { throw writer.unsupported() }

    private mutating func integer(_ value: some BinaryInteger) throws {
        try comma()
        writer.writeInteger(value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try comma()
        try encoder.encodeChild(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = nested()
        guard !writer.failed else { return KeyedEncodingContainer(StreamingKeyedContainer<NestedKey>(encoder: child, serial: -1)) }
        return child.container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = nested()
        guard !writer.failed else { return StreamingUnkeyedContainer(encoder: child, serial: -1) }
        return child.unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        writer.failed = true
        return StreamingEncoder(writer: writer, depth: encoder.depth + 1, slot: -1)
    }

    private mutating func nested() -> StreamingEncoder {
        do {
            try comma()
        } catch {
            writer.failed = true
        }
        return StreamingEncoder(writer: writer, depth: encoder.depth + 1, slot: writer.openSlot())
    }
}

struct StreamingSingleValueContainer: SingleValueEncodingContainer {
    let encoder: StreamingEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }
    private var writer: JSONStreamWriter { encoder.writer }

    mutating func encodeNil() throws { try encoder.fill { writer.writeLiteral("null") } }
    mutating func encode(_ value: Bool) throws { try encoder.fill { value ? writer.writeLiteral("true") : writer.writeLiteral("false") } }
    mutating func encode(_ value: String) throws { try encoder.fill { writer.writeString(value) } }
    mutating func encode(_ value: Double) throws { try encoder.fill { try writer.writeFloat(value) } }
    mutating func encode(_ value: Float) throws { try encoder.fill { try writer.writeFloat(value) } }
    mutating func encode(_ value: Int) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: Int8) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: Int16) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: Int32) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: Int64) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt8) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt16) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt32) throws { try encoder.fill { writer.writeInteger(value) } }
    mutating func encode(_ value: UInt64) throws { try encoder.fill { writer.writeInteger(value) } }
    @available(macOS 15.0, *)
    mutating func encode(_ value: Int128) throws { throw writer.unsupported() }
    @available(macOS 15.0, *)
    mutating func encode(_ value: UInt128) throws { throw writer.unsupported() }

    /// A non-scalar in a single-value container takes this very position (an enum wrapping an array, say).
    mutating func encode<T: Encodable>(_ value: T) throws {
        guard writer.take(encoder.slot) else { throw writer.unsupported() }
        writer.close(downTo: encoder.depth)
        // The position passes to the value's own encoder, at the same depth.
        try StreamingEncoder.encode(value, writer: writer, depth: encoder.depth)
    }
}
