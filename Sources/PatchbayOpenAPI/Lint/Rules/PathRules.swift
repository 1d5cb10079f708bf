import PatchbayCore

/// Rules about path keys: trailing slashes, paths that are the same but for parameter names, and pairs that
/// could both match one URL with neither more specific.
enum PathRules {
    static let maximumComparisons = 2_000_000

    static func check(_ report: inout LintReport) {
        guard let paths = report.document.root["paths"]?.members else { return }
        var normalized: [String: String] = [:]
        var bySegmentCount: [Int: [(path: String, segments: [Substring?])]] = [:]
        for member in paths {
            let path = member.key
            let pointer = JSONPointer.appending(path, to: "/paths")
            if path.count > 1 && path.hasSuffix("/") {
                report.report("path-keys-no-trailing-slash", .warn, at: pointer, member.keyPosition, "path \(path) ends with a slash")
            }
            let segments = segments(of: path)
            let shape = "/" + segments.map { $0.map(String.init) ?? "{}" }.joined(separator: "/")
            if let first = normalized[shape] {
                report.report(
                    "duplicate-paths", .error, at: pointer, member.keyPosition, "path \(path) is the same as \(first) but for its parameter names")
                continue
            }
            normalized[shape] = path
            bySegmentCount[segments.count, default: []].append((path, segments))
        }
        // Pairs of paths with as many segments are compared; a hostile document with a hundred thousand paths
        // would make that quadratic, so the comparisons are capped and the cut is reported.
        var budget = maximumComparisons
        for group in bySegmentCount.sorted(by: { $0.key < $1.key }).map(\.value) where group.count > 1 {
            for (index, first) in group.enumerated() {
                budget -= group.count - index - 1
                if budget < 0 {
                    report.report(
                        "no-ambiguous-paths", .info, at: "/paths", nil,
                        "too many paths to compare every pair: ambiguity was checked for part of them only")
                    return
                }
                for second in group[(index + 1)...] where ambiguous(first.segments, second.segments) {
                    let member = paths.first { $0.key == second.path }
                    report.report(
                        "no-ambiguous-paths", .warn, at: JSONPointer.appending(second.path, to: "/paths"), member?.keyPosition,
                        "paths \(first.path) and \(second.path) can both match one URL, and neither is more specific")
                }
            }
        }
    }

    /// Segments of a path; nil for a segment that is only a parameter. A trailing slash is a segment of its
    /// own: servers route `/hooks/` and `/hooks` apart.
    static func segments(of path: String) -> [Substring?] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") && segment.dropFirst().firstIndex(of: "{") == nil
                ? nil : Substring(templateShape(segment))
        }
    }

    /// `{file_id}#get_shared_link` → `{}#get_shared_link`: parameter names do not matter, the rest does.
    static func templateShape(_ segment: Substring) -> String {
        var shape = ""
        var inside = false
        for character in segment {
            if character == "{" {
                inside = true
                shape += "{}"
            } else if character == "}" {
                inside = false
            } else if !inside {
                shape.append(character)
            }
        }
        return shape
    }

    /// Two paths are ambiguous when every segment can match the same text and each is more specific somewhere.
    static func ambiguous(_ first: [Substring?], _ second: [Substring?]) -> Bool {
        var firstMoreSpecific = false
        var secondMoreSpecific = false
        for (a, b) in zip(first, second) {
            switch (a, b) {
            case (let a?, let b?): if a != b { return false }
            case (.some, nil): firstMoreSpecific = true
            case (nil, .some): secondMoreSpecific = true
            case (nil, nil): break
            }
        }
        return firstMoreSpecific && secondMoreSpecific
    }
}
