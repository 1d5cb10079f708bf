/// One match of a `Pattern`: where it is and what each group matched. Groups are numbered from 1 by their opening
/// parenthesis; a group that did not take part in the match (or lies in an iteration other than the last) is nil.
public struct PatternMatch: Sendable {
    /// The whole match in the searched string, on Unicode scalar boundaries.
    public let range: Range<String.Index>
    private let text: String
    private let groups: [Range<String.Index>?]
    private let groupNames: [String: Int]

    /// `slots` are byte offsets into `text`'s UTF-8: start and end of group 0, then of each group, -1 when unset.
    init(text: String, slots: [Int], captureCount: Int, groupNames: [String: Int]) {
        let utf8 = text.utf8
        var groups: [Range<String.Index>?] = []
        for group in 0...captureCount {
            let (start, end) = (slots[2 * group], slots[2 * group + 1])
            guard start >= 0, end >= start else {
                groups.append(nil)
                continue
            }
            groups.append(utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end))
        }
        self.text = text
        self.groups = groups
        self.groupNames = groupNames
        range = groups.first.flatMap { $0 } ?? text.startIndex..<text.startIndex
    }

    /// The text group `group` matched (0: the whole match), or nil when it did not take part or does not exist.
    public subscript(group: Int) -> Substring? {
        guard group >= 0, group < groups.count, let range = groups[group] else { return nil }
        return Substring(text.unicodeScalars[range])
    }

    /// The text the group named `name` matched, or nil when it did not take part or no group has that name.
    public subscript(name: String) -> Substring? {
        guard let group = groupNames[name] else { return nil }
        return self[group]
    }
}
