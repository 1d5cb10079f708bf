import Foundation
import Testing

@testable import PatchbayCore

/// The streaming encoder must write what `JSONEncoder` writes — the same values, strings and numbers byte for byte —
/// or step aside (nil) where it cannot. Only the order of an object's members differs: `JSONEncoder` on Linux writes
/// them in hash order (a new one each run), the streaming encoder in the order they were encoded.
@Suite struct StreamingJSONEncoderTests {
    static func foundation(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// The same JSON with every object's members sorted: what both encoders must agree on.
    static func canonical(_ bytes: [UInt8]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(try JSONDecoder().decode(JSONValue.self, from: Data(bytes))), as: UTF8.self)
    }

    /// Encodes with both and expects the streaming path to be taken and to write the same JSON.
    static func expectSame(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let streamed = try StreamingJSONEncoder.encode(value)
        let expected = try foundation(value)
        guard let streamed else {
            Issue.record("the streaming path was not taken", sourceLocation: sourceLocation)
            return
        }
        #expect(try canonical(streamed) == canonical(expected), sourceLocation: sourceLocation)
    }

    /// For values without objects, whose order is fixed: byte for byte.
    static func expectIdentical(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let streamed = try StreamingJSONEncoder.encode(value)
        #expect(
            streamed.map { String(decoding: $0, as: UTF8.self) } == String(decoding: try foundation(value), as: UTF8.self),
            sourceLocation: sourceLocation)
    }

    @Test func randomJSONValuesEncodeAsJSONEncoderDoes() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for _ in 0..<2000 {
            try Self.expectSame(Self.randomValue(depth: 0, using: &generator))
        }
    }

    @Test(arguments: [
        "", "plain", "quote \" and backslash \\ and slash /", "\n\r\t\u{8}\u{C}", "\u{0}\u{1}\u{1F}\u{7F}", "é, 😀, \u{2028}\u{2029}",
        "ends with escape\n", "\"", String(repeating: "long ", count: 500),
    ])
    func stringsEscapeAsJSONEncoderDoes(_ text: String) throws {
        try Self.expectIdentical([text])
        try Self.expectIdentical([[text, text]])
        try Self.expectSame(["key \(text)": text])
    }

    @Test(arguments: [
        0.0, -0.0, 1.0, 12.5, 0.1, 1e15, 1e16, 1e20, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, -123.456, 100.0,
        Double(Int64.max), 123456789012345680000,
    ])
    func doublesFormatAsJSONEncoderDoes(_ number: Double) throws {
        try Self.expectIdentical([number])
        try Self.expectIdentical([JSONValue.double(number)])
        if Float(number).isFinite { try Self.expectIdentical([Float(number)]) }
    }

    @Test func integersOfEveryWidthAndExtremes() throws {
        try Self.expectSame(Extremes())
        try Self.expectIdentical([Int64.min, Int64.max])
        try Self.expectIdentical([UInt64.max])
    }

    @Test func membersKeepTheOrderTheyWereEncodedIn() throws {
        let streamed = try #require(try StreamingJSONEncoder.encode(Wrapped(resource: Inner(name: "a", tags: ["t"]), secret: "s")))
        #expect(String(decoding: streamed, as: UTF8.self) == #"{"name":"a","tags":["t"],"secret":"s"}"#)
    }

    @Test func synthesizedStructsWithOptionalsNestingAndEnums() throws {
        let value = Outer(
            id: "wh_1", count: 3, ratio: 0.25, flag: true, missing: nil, present: "here", kind: .second, inner: Inner(name: "a", tags: ["x", "y"]),
            inners: [Inner(name: "b", tags: []), Inner(name: "c", tags: ["z"])], map: ["one": 1], nested: [[1, 2], [], [3]], empty: Empty(),
            emptyList: [])
        try Self.expectSame(value)
        try Self.expectSame([value, value])
    }

    @Test func modelTypesEncodeAsJSONEncoderDoes() throws {
        let event = Event(
            id: "evt_1", type: "order.created", organizationId: "org_1", organizationPath: .root("org_1"), actor: .system,
            data: ["total": 12.5, "items": [1, "two", nil, ["deep": true]], "note": "line\nbreak"], createdAt: 1_700_000_000_000)
        try Self.expectSame(event)
        try Self.expectSame(Wrapped(resource: event, secret: "shown once"))
        try Self.expectSame(Wrapped(resource: event, secret: nil))
    }

    @Test func nestedContainersByHand() throws {
        try Self.expectSame(ByHand())
    }

    @Test func stepsAsideWhereJSONEncoderWritesOtherwise() throws {
        #expect(try StreamingJSONEncoder.encode(DuplicateKey()) == nil)
        #expect(try StreamingJSONEncoder.encode(["at": Date(timeIntervalSinceReferenceDate: 1.5)]) == nil)
        #expect(try StreamingJSONEncoder.encode([Data([1, 2, 3])]) == nil)
        #expect(try StreamingJSONEncoder.encode(["u": URL(string: "https://example.com/a")!]) == nil)
        #expect(try StreamingJSONEncoder.encode([Decimal(string: "1.5")!]) == nil)
        #expect(try StreamingJSONEncoder.encode(UsesSuperEncoder()) == nil)
        #expect(try StreamingJSONEncoder.encode(StaleContainer()) == nil)
        #expect(try StreamingJSONEncoder.encode(EncodesNothing()) == nil)
        #expect(try StreamingJSONEncoder.encode([Double.nan]) == nil)
        #expect(try StreamingJSONEncoder.encode(SwallowsItsError()) == nil)
        #expect(try StreamingJSONEncoder.encode(["big": Int128(1)]) == nil)
        #expect(try StreamingJSONEncoder.encode([UInt128.max]) == nil)
        #expect(try StreamingJSONEncoder.encode(["inf": Double.infinity]) == nil)
        // `JSONEncoder` gives what the streaming path left (or throws, as for NaN).
        #expect(try Self.foundation(DuplicateKey()) == Array(#"{"a":2}"#.utf8))
        #expect(throws: EncodingError.self) { try Self.foundation([Double.nan]) }
    }

    @Test func errorsTheValueThrowsReachTheCaller() {
        #expect(throws: Refused.self) { try StreamingJSONEncoder.encode(["x": Throws()]) }
    }

    // MARK: - Values

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        let choice = depth >= 4 ? Int.random(in: 0..<5, using: &generator) : Int.random(in: 0..<7, using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int64.random(in: 0..<63, using: &generator))
        case 3:
            let magnitude = pow(10, Double(Int.random(in: -30...30, using: &generator)))
            return .double(Double.random(in: -1...1, using: &generator) * magnitude)
        case 4: return .string(randomString(using: &generator))
        case 5: return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<12, using: &generator) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    static func randomString(using generator: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", "\u{2028}", "key", "ü"]
        return (0..<Int.random(in: 0..<8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }
}

/// xorshift64*: the same values on every run and platform.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 1 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

private struct Extremes: Encodable {
    var int = Int.min
    var int8 = Int8.min
    var int16 = Int16.max
    var int32 = Int32.min
    var int64 = Int64.max
    var uint = UInt.max
    var uint8 = UInt8.max
    var uint16 = UInt16.max
    var uint32 = UInt32.max
    var uint64 = UInt64.max
    var list: [Int8] = [-1, 0, 1]
    var unsigned: [UInt64] = [0, .max]
}

private struct Empty: Encodable {}

private struct EncodesNothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

private struct Inner: Encodable {
    var name: String
    var tags: [String]
}

private enum Kind: String, Encodable { case first, second }

private struct Outer: Encodable {
    var id: String
    var count: Int
    var ratio: Double
    var flag: Bool
    var missing: String?
    var present: String?
    var kind: Kind
    var inner: Inner
    var inners: [Inner]
    var map: [String: Int]
    var nested: [[Int]]
    var empty: Empty
    var emptyList: [Inner]
}

/// A resource's own fields, then what only one response carries (as the API's create responses do).
private struct Wrapped<Resource: Encodable>: Encodable {
    var resource: Resource
    var secret: String?

    enum Keys: String, CodingKey { case secret }

    func encode(to encoder: any Encoder) throws {
        try resource.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(secret, forKey: .secret)
    }
}

private struct ByHand: Encodable {
    enum Keys: String, CodingKey { case a, b, c, d }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var a = container.nestedContainer(keyedBy: Keys.self, forKey: .a)
        try a.encode(1, forKey: .a)
        var list = a.nestedUnkeyedContainer(forKey: .b)
        try list.encode("x")
        var inList = list.nestedContainer(keyedBy: Keys.self)
        try inList.encodeNil(forKey: .c)
        var deeper = list.nestedUnkeyedContainer()
        try deeper.encode(true)
        try list.encode(2.5)
        try container.encode([1, 2], forKey: .b)
        _ = container.nestedContainer(keyedBy: Keys.self, forKey: .c)
        var single = container.nestedUnkeyedContainer(forKey: .d)
        try single.encodeNil()
    }
}

private struct DuplicateKey: Encodable {
    enum Keys: String, CodingKey { case a }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .a)
        try container.encode(2, forKey: .a)
    }
}

private struct UsesSuperEncoder: Encodable {
    enum Keys: String, CodingKey { case a }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try "x".encode(to: container.superEncoder())
    }
}

/// Writes to a container after a sibling's was opened: the stream has moved past it.
private struct StaleContainer: Encodable {
    enum Keys: String, CodingKey { case a, b, c }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var first = container.nestedContainer(keyedBy: Keys.self, forKey: .a)
        var second = container.nestedContainer(keyedBy: Keys.self, forKey: .b)
        try second.encode(1, forKey: .a)
        try first.encode(2, forKey: .c)
    }
}

/// Catches what it could not write and goes on: a member was half written, so the stream must not be used.
private struct SwallowsItsError: Encodable {
    enum Keys: String, CodingKey { case x, y, z }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try? container.encode(Double.nan, forKey: .x)
        try? container.encode(["inner": Throws()], forKey: .z)
        try container.encode(1, forKey: .y)
    }
}

private struct Refused: Error {}

private struct Throws: Encodable {
    func encode(to encoder: any Encoder) throws { throw Refused() }
}
