import Foundation

/// Compact JSON text (sorted keys, slashes unescaped), for bodies, logs and stored rows. The delivery path's few
/// fixed shapes are written by hand, byte for byte as `JSONEncoder` writes them with these options, at a fraction
/// of its cost: the encoder's boxing showed up as a tenth of a delivery's CPU time.
public enum JSONText {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init) ?? Array("null".utf8)
    }

    public static func decode(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// A JSON array of strings without escapes or whitespace (`["a","b"]`, as stored lists of ids are written), read
    /// without `JSONDecoder`, which cost the claim of every delivery a decoder; nil for anything else, which the caller
    /// then decodes in full.
    public static func plainStringArray(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]") else { return nil }
            var items: [String] = []
            var index = 1
            let end = bytes.count - 1
            if index == end { return items }
            while true {
                guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let start = index + 1
                var close = start
                while close < end, bytes[close] != UInt8(ascii: "\"") {
                    // An escape or a control character: the full decoder knows what it means (or that it is invalid).
                    guard bytes[close] != UInt8(ascii: "\\"), bytes[close] >= 0x20 else { return nil }
                    close += 1
                }
                guard close < end else { return nil }
                // Valid UTF-8 only: the stored text came from a Swift string, and a repair would hide a difference.
                guard let item = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<close]), as: UTF8.self) else { return nil }
                items.append(item)
                index = close + 1
                if index == end { return items }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
    }

    /// A stored JSON array of strings (ids, scopes, event types): by `plainStringArray` when it can, else in full.
    public static func strings(_ text: String) throws -> [String] {
        try plainStringArray(text) ?? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string, escaped as `JSONEncoder` escapes it (quote, backslash and the bytes below
    /// 0x20; slashes left as they are). Runs without an escape are copied whole.
    public static func appendString(_ value: String, to output: inout [UInt8]) {
        output.append(0x22)
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case 0x22: output.append(contentsOf: [0x5C, 0x22])
                case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
                case 0x08: output.append(contentsOf: [0x5C, 0x62])
                case 0x09: output.append(contentsOf: [0x5C, 0x74])
                case 0x0A: output.append(contentsOf: [0x5C, 0x6E])
                case 0x0C: output.append(contentsOf: [0x5C, 0x66])
                case 0x0D: output.append(contentsOf: [0x5C, 0x72])
                default: output.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        output.append(0x22)
    }

    /// `{"name":"value",...}` with the names sorted.
    public static func object(_ members: [String: String]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(members.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        output.append(0x7B)
        // By UTF-8 bytes, as JSONEncoder sorts them; the pairs, so no name is looked up again.
        for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if index > 0 { output.append(0x2C) }
            appendString(member.key, to: &output)
            output.append(0x3A)
            appendString(member.value, to: &output)
        }
        output.append(0x7D)
        return String(decoding: output, as: UTF8.self)
    }

    /// `["value",...]`.
    public static func array(_ items: [String]) -> String {
        var output: [UInt8] = [0x5B]
        for (index, item) in items.enumerated() {
            if index > 0 { output.append(0x2C) }
            appendString(item, to: &output)
        }
        output.append(0x5D)
        return String(decoding: output, as: UTF8.self)
    }
}
