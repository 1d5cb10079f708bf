/// One lint finding: which rule, how serious, and where (pointer always, line and column when known).
public struct LintProblem: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
        case error
        case warn
        case info
        case hint

        private var rank: Int {
            switch self {
            case .error: 0
            case .warn: 1
            case .info: 2
            case .hint: 3
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var rule: String
    public var severity: Severity
    public var pointer: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(rule: String, severity: Severity, pointer: String, position: SourcePosition?, message: String) {
        self.rule = rule
        self.severity = severity
        self.pointer = pointer
        self.line = position?.line
        self.column = position?.column
        self.message = message
    }
}

/// Collects findings while rules run; a rule reports at a pointer and, where it has it, the node's position.
public struct LintReport: Sendable {
    public let document: APIDocument
    public private(set) var problems: [LintProblem] = []

    public init(document: APIDocument) {
        self.document = document
    }

    public mutating func report(_ rule: String, _ severity: LintProblem.Severity, at pointer: String, _ position: SourcePosition?, _ message: String)
    {
        let position = position ?? Self.nearestPosition(of: pointer, in: document.root)
        problems.append(LintProblem(rule: rule, severity: severity, pointer: pointer, position: position, message: message))
    }

    /// Where the pointer's node is or, when it is missing (a missing `servers`), its nearest existing parent.
    static func nearestPosition(of pointer: String, in root: SourceNode) -> SourcePosition {
        var current = pointer
        while !current.isEmpty {
            if let node = root.node(at: current) { return node.position }
            current = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
        }
        return root.position
    }
}
