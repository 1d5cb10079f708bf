/// The materialized path of an organization in the tree: `/org_root/org_child/`.
///
/// A token of organization A reaches organization B exactly when B's path starts with A's path, which
/// makes reach a string-prefix check and descendant queries a `LIKE 'prefix%'` scan.
public struct OrganizationPath: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(rawValue: String) { self.value = rawValue }

    public static func root(_ id: String) -> OrganizationPath { OrganizationPath(rawValue: "/\(id)/") }

    public func child(_ id: String) -> OrganizationPath { OrganizationPath(rawValue: value + id + "/") }

    /// This organization or one of its descendants.
    public func contains(_ other: OrganizationPath) -> Bool { other.value.hasPrefix(value) }

    public var depth: Int { value.split(separator: "/").count }

    public var description: String { value }
}
