import Hummingbird

extension APIOperation {
    /// One path of the API with the methods served there, for answering 405 with `Allow`.
    struct PathMethods: Sendable {
        /// The path's segments; nil for a parameter, which matches any one segment.
        let segments: [Substring?]
        let methods: [HTTPRequest.Method]

        func matches(_ components: [Substring]) -> Bool {
            components.count == segments.count
                && zip(segments, components).allSatisfy { segment, component in segment.map { $0 == component } ?? true }
        }

        /// Resolves as the router's trie does: at the first segment where two matching paths differ, a fixed segment
        /// wins over a parameter (`…/integrations/import` over `…/integrations/{int}`).
        func isMoreSpecific(than other: PathMethods) -> Bool {
            for (mine, theirs) in zip(segments, other.segments) where (mine == nil) != (theirs == nil) {
                return mine != nil
            }
            return false
        }
    }

    /// Every path of the API with its methods, built once from `all`.
    static let pathMethods: [PathMethods] = {
        var methods: [String: [HTTPRequest.Method]] = [:]
        for operation in all { methods[operation.path, default: []].append(operation.method) }
        return methods.map { path, methods in
            PathMethods(
                segments: path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 },
                methods: methods.sorted { $0.rawValue < $1.rawValue }
            )
        }
    }()

    /// The methods served at a request path (raw, as the router matches it), or nil when no route has this path.
    static func allowedMethods(forPath path: String) -> [HTTPRequest.Method]? {
        let components = path.split(separator: "/")
        var best: PathMethods?
        for candidate in pathMethods where candidate.matches(components) {
            if best.map({ candidate.isMoreSpecific(than: $0) }) ?? true { best = candidate }
        }
        return best?.methods
    }
}
