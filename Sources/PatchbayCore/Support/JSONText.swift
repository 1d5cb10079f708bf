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

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string.
    public static func appendString(_ value: String, to output: inout [UInt8]) {
        output.append(0x22)
        for byte in value.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x08: output.append(contentsOf: [0x5C, 0x62])
            case 0x09: output.append(contentsOf: [0x5C, 0x74])
            case 0x0A: output.append(contentsOf: [0x5C, 0x6E])
            case 0x0C: output.append(contentsOf: [0x5C, 0x66])
            case 0x0D: output.append(contentsOf: [0x5C, 0x72])
            case 0..<0x20:
                output.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(0x22)
    }

    /// `{"name":"value",...}` with the names sorted.
    public static func object(_ members: [String: String]) -> String {
        var output: [UInt8] = [0x7B]
        // By UTF-8 bytes, as JSONEncoder sorts them.
        for (index, name) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { output.append(0x2C) }
            appendString(name, to: &output)
            output.append(0x3A)
            appendString(members[name] ?? "", to: &output)
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
