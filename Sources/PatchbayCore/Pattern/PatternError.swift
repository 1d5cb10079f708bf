/// Why a pattern was refused: the kind of problem, where it was found (a Unicode scalar offset into the source)
/// and a message fit to show to whoever wrote the pattern.
public struct PatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The three reasons a pattern is refused; compare with the static members (`.syntax`, …).
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: Sendable, Hashable {
            case syntax, unsupported, tooComplex
        }

        private let code: Code

        /// Not an ECMAScript regular expression (with the `u` flag): unbalanced parentheses, a reversed range, …
        public static let syntax = Kind(code: .syntax)
        /// Valid ECMAScript that a linear-time matcher cannot run: backreferences and look-around.
        public static let unsupported = Kind(code: .unsupported)
        /// Valid, but it expands past the bounds that keep matching fast (counted repetition, nesting depth).
        public static let tooComplex = Kind(code: .tooComplex)

        public var description: String {
            switch code {
            case .syntax: "syntax"
            case .unsupported: "unsupported"
            case .tooComplex: "tooComplex"
            }
        }
    }

    public let kind: Kind
    /// Offset in Unicode scalars from the start of the pattern.
    public let offset: Int
    public let message: String

    public init(_ kind: Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) (at offset \(offset))" }

    static func syntax(_ message: String, at offset: Int) -> PatternError { PatternError(.syntax, at: offset, message) }
    static func unsupported(_ message: String, at offset: Int) -> PatternError { PatternError(.unsupported, at: offset, message) }
    static func tooComplex(_ message: String, at offset: Int) -> PatternError { PatternError(.tooComplex, at: offset, message) }
}
