import PatchbayCore

/// A field that a PATCH may leave out, set, or clear with `null`.
public enum PatchValue<Value: Decodable & Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    public init<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws {
        if !container.contains(key) {
            self = .absent
        } else if try container.decodeNil(forKey: key) {
            self = .null
        } else {
            self = .value(try container.decode(Value.self, forKey: key))
        }
    }

    /// The new value given the current one.
    public func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }
}

/// Collects field problems so a request hears about all of them at once.
public struct FieldProblems {
    public init() {}

    public private(set) var errors: [FieldError] = []

    public mutating func check(_ problem: FieldError?) {
        if let problem { errors.append(problem) }
    }

    public mutating func add(_ pointer: String, _ message: String) { errors.append(FieldError(pointer: pointer, message)) }

    public func throwIfAny() throws {
        if !errors.isEmpty { throw PatchbayError.validation(errors) }
    }
}
