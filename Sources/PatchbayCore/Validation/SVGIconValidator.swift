/// Accepts an icon only when it is a self-contained, inert SVG document.
///
/// A small XML scanner walks tags, attributes (entity references decoded), text and `<style>` content, so
/// `&#106;avascript:` and similar spellings are caught. Refused: scripts and other active or embedding
/// elements, `on*` event handlers, `javascript:` anywhere, references to anything outside the document
/// (`href`/`src` not starting with `#`, `url(…)` not starting with `#`, `@import`), DOCTYPEs and entity
/// declarations (XXE), and processing instructions other than the XML declaration.
public enum SVGIconValidator {
    public static let maxBytes = 64 * 1024

    private static let forbiddenElements: Set<String> = [
        "script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "audio", "video", "image",
        "use", "feimage", "animate", "set", "animatemotion", "animatetransform", "link", "meta", "base",
    ]

    /// The reason the icon is refused, or nil when it is acceptable.
    public static func problem(in svg: String) -> String? {
        guard svg.utf8.count <= maxBytes else { return "must be at most \(maxBytes) bytes" }
        var scanner = Scanner(Array(svg.unicodeScalars))
        var sawRoot = false
        var depth = 0
        var inStyle = false
        do {
            while let token = try scanner.next() {
                switch token {
                case .declaration(let text):
                    if text.lowercased().hasPrefix("doctype") || text.lowercased().hasPrefix("entity") {
                        return "must not contain a DOCTYPE or entity declarations"
                    }
                case .processingInstruction(let target):
                    if target.lowercased() != "xml" || sawRoot { return "must not contain processing instructions" }
                case .text(let text):
                    if depth == 0, !text.trimmingWhitespace().isEmpty { return "must contain nothing outside the <svg> element" }
                    if let reason = inStyle ? styleProblem(text) : scriptTextProblem(text) { return reason }
                case .open(let name, let attributes, let selfClosing):
                    let local = localName(name)
                    if depth == 0 {
                        guard !sawRoot, local == "svg" else { return "must have a single <svg> root element" }
                        sawRoot = true
                    }
                    if forbiddenElements.contains(local) { return "must not contain <\(name)> elements" }
                    for (attribute, value) in attributes {
                        if let reason = attributeProblem(attribute, value) { return reason }
                    }
                    if !selfClosing {
                        depth += 1
                        inStyle = local == "style"
                    }
                case .close:
                    depth -= 1
                    inStyle = false
                    if depth < 0 { return "is not well-formed XML (unbalanced closing tag)" }
                }
            }
        } catch let error as Scanner.Malformed {
            return "is not well-formed XML (\(error.reason))"
        } catch {
            return "is not well-formed XML"
        }
        guard sawRoot else { return "must be an SVG document with an <svg> root element" }
        guard depth == 0 else { return "is not well-formed XML (unclosed element)" }
        return nil
    }

    private static func localName(_ name: String) -> String {
        String(name.split(separator: ":").last ?? Substring(name)).lowercased()
    }

    private static func attributeProblem(_ name: String, _ value: String) -> String? {
        let local = localName(name)
        if local.hasPrefix("on") { return "must not contain event handler attributes (\(name))" }
        let compact = String(value.unicodeScalars.filter { !$0.properties.isWhitespace && $0.value >= 0x20 }).lowercased()
        if compact.contains("javascript:") || compact.contains("vbscript:") { return "must not contain javascript: URLs" }
        if local == "href" || local == "src" || name.lowercased() == "xml:base" {
            if !compact.hasPrefix("#") { return "must not reference external resources (\(name)=\"\(value.prefix(60))\")" }
        }
        if local == "style" || compact.contains("url(") { return styleProblem(value) }
        return nil
    }

    private static func styleProblem(_ css: String) -> String? {
        let compact = String(css.unicodeScalars.filter { !$0.properties.isWhitespace }).lowercased()
        if compact.contains("@import") { return "must not import external style sheets" }
        if compact.contains("javascript:") || compact.contains("expression(") { return "must not contain script in styles" }
        var rest = Substring(compact)
        while let range = rest.range(of: "url(") {
            let target = rest[range.upperBound...].drop { $0 == "\"" || $0 == "'" }
            if !target.hasPrefix("#") { return "must not reference external resources in url(…)" }
            rest = rest[range.upperBound...]
        }
        return nil
    }

    private static func scriptTextProblem(_ text: String) -> String? {
        text.lowercased().contains("javascript:") ? "must not contain javascript: URLs" : nil
    }
}

extension SVGIconValidator {
    enum Token {
        case open(name: String, attributes: [(String, String)], selfClosing: Bool)
        case close(name: String)
        case text(String)
        case declaration(String)
        case processingInstruction(target: String)
    }

    /// A deliberately small XML tokenizer: enough structure to judge an icon, nothing more.
    struct Scanner {
        struct Malformed: Error { let reason: String }

        private let scalars: [Unicode.Scalar]
        private var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        mutating func next() throws -> Token? {
            guard index < scalars.count else { return nil }
            if scalars[index] != "<" { return .text(try decodeEntities(readUntil("<"))) }
            if starts(with: "<!--") {
                guard let end = find("-->", from: index + 4) else { throw Malformed(reason: "unterminated comment") }
                index = end + 3
                return .text("")
            }
            if starts(with: "<![CDATA[") {
                guard let end = find("]]>", from: index + 9) else { throw Malformed(reason: "unterminated CDATA") }
                let text = String(String.UnicodeScalarView(scalars[(index + 9)..<end]))
                index = end + 3
                return .text(text)
            }
            if starts(with: "<!") {
                guard let end = find(">", from: index + 2) else { throw Malformed(reason: "unterminated declaration") }
                let text = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                index = end + 1
                return .declaration(text)
            }
            if starts(with: "<?") {
                // From after `<?`: in `<?>` the `?` must not be read as the start of the closing `?>` (found by fuzzing).
                guard let end = find("?>", from: index + 2) else { throw Malformed(reason: "unterminated processing instruction") }
                let body = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                index = end + 2
                return .processingInstruction(target: String(body.prefix { !$0.isWhitespace }))
            }
            index += 1
            if index < scalars.count, scalars[index] == "/" {
                index += 1
                let name = readName()
                skipWhitespace()
                guard index < scalars.count, scalars[index] == ">" else { throw Malformed(reason: "bad closing tag") }
                index += 1
                return .close(name: name)
            }
            let name = readName()
            guard !name.isEmpty else { throw Malformed(reason: "bad tag name") }
            var attributes: [(String, String)] = []
            while true {
                skipWhitespace()
                guard index < scalars.count else { throw Malformed(reason: "unterminated tag <\(name)>") }
                if scalars[index] == ">" {
                    index += 1
                    return .open(name: name, attributes: attributes, selfClosing: false)
                }
                if starts(with: "/>") {
                    index += 2
                    return .open(name: name, attributes: attributes, selfClosing: true)
                }
                let attribute = readName()
                guard !attribute.isEmpty else { throw Malformed(reason: "bad attribute in <\(name)>") }
                skipWhitespace()
                guard index < scalars.count, scalars[index] == "=" else {
                    throw Malformed(reason: "attribute \(attribute) has no value")
                }
                index += 1
                skipWhitespace()
                guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else {
                    throw Malformed(reason: "attribute \(attribute) value is not quoted")
                }
                let quote = scalars[index]
                index += 1
                guard let end = scalars[index...].firstIndex(of: quote) else { throw Malformed(reason: "unterminated attribute value") }
                let raw = String(String.UnicodeScalarView(scalars[index..<end]))
                index = end + 1
                attributes.append((attribute, try decodeEntities(raw)))
            }
        }

        private func starts(with text: String) -> Bool {
            let pattern = Array(text.unicodeScalars)
            guard index + pattern.count <= scalars.count else { return false }
            return scalars[index..<(index + pattern.count)].elementsEqual(pattern)
        }

        private func find(_ text: String, from start: Int) -> Int? {
            let pattern = Array(text.unicodeScalars)
            var position = start
            while position + pattern.count <= scalars.count {
                if scalars[position..<(position + pattern.count)].elementsEqual(pattern) { return position }
                position += 1
            }
            return nil
        }

        private mutating func readUntil(_ stop: Unicode.Scalar) -> String {
            let start = index
            while index < scalars.count, scalars[index] != stop { index += 1 }
            return String(String.UnicodeScalarView(scalars[start..<index]))
        }

        private mutating func readName() -> String {
            let start = index
            while index < scalars.count {
                let scalar = scalars[index]
                guard
                    scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == ":" || scalar == "-"
                        || scalar == "_" || scalar == "."
                else { break }
                index += 1
            }
            return String(String.UnicodeScalarView(scalars[start..<index]))
        }

        private mutating func skipWhitespace() {
            while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
        }

        /// Decodes `&amp;`-style and numeric references, so checks see what a browser would.
        private func decodeEntities(_ text: String) throws -> String {
            guard text.contains("&") else { return text }
            var output = String.UnicodeScalarView()
            var characters = text.unicodeScalars[...]
            while let first = characters.first {
                characters = characters.dropFirst()
                guard first == "&" else {
                    output.append(first)
                    continue
                }
                guard let semicolon = characters.prefix(12).firstIndex(of: ";") else {
                    throw Malformed(reason: "bad entity reference")
                }
                let name = String(String.UnicodeScalarView(characters[..<semicolon]))
                characters = characters[characters.index(after: semicolon)...]
                let named: [String: Unicode.Scalar] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
                if let scalar = named[name] {
                    output.append(scalar)
                } else if name.hasPrefix("#x") || name.hasPrefix("#X"), let value = UInt32(name.dropFirst(2), radix: 16),
                    let scalar = Unicode.Scalar(value)
                {
                    output.append(scalar)
                } else if name.hasPrefix("#"), let value = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(value) {
                    output.append(scalar)
                } else {
                    throw Malformed(reason: "unknown entity &\(name.prefix(20));")
                }
            }
            return String(output)
        }
    }
}
