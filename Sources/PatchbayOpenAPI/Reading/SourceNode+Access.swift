import PatchbayCore

extension SourceNode {
    public var members: [Member]? {
        if case .object(let members) = value { return members }
        return nil
    }

    public var items: [SourceNode]? {
        if case .array(let items) = value { return items }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    public var number: Double? {
        if case .number(let text) = value { return Double(text) }
        return nil
    }

    public var isObject: Bool { members != nil }

    /// The kind of value, as JSON Schema names types.
    public var typeName: String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number(let text): text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "number" : "integer"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string members of an array (non-strings skipped).
    public var strings: [String] { items?.compactMap(\.string) ?? [] }

    public static func string(_ text: String, at position: SourcePosition) -> SourceNode {
        SourceNode(.string(text), at: position)
    }

    public static func object(_ members: [(String, SourceNode)], at position: SourcePosition) -> SourceNode {
        SourceNode(.object(members.map { Member(key: $0.0, keyPosition: $0.1.position, value: $0.1) }), at: position)
    }

    /// A copy with `key` set (replacing its value where present, appended otherwise).
    public func setting(_ key: String, to node: SourceNode) -> SourceNode {
        guard case .object(var members) = value else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = node
        } else {
            members.append(Member(key: key, keyPosition: node.position, value: node))
        }
        return SourceNode(.object(members), at: position)
    }

    /// A copy without `key`.
    public func removing(_ key: String) -> SourceNode {
        guard case .object(let members) = value else { return self }
        return SourceNode(.object(members.filter { $0.key != key }), at: position)
    }

    /// The value as a `JSONValue`, for storing and answering; integers that fit stay integers.
    public var jsonValue: JSONValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .number(let text):
            if let integer = Int64(text) { return .int(integer) }
            return .double(Double(text) ?? 0)
        case .string(let text): return .string(text)
        case .array(let items): return .array(items.map(\.jsonValue))
        case .object(let members):
            var object = [String: JSONValue](minimumCapacity: members.count)
            for member in members where object[member.key] == nil { object[member.key] = member.value.jsonValue }
            return .object(object)
        }
    }
}
