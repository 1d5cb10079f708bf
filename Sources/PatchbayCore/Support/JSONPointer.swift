/// RFC 6901 pointer tokens: `~` is written `~0` and `/` is written `~1`.
public enum JSONPointer {
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var escaped = ""
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Left to right, so `~01` is `~1` and not `/`.
    public static func unescape(_ token: String) -> String {
        guard token.utf8.contains(UInt8(ascii: "~")) else { return token }
        var unescaped = ""
        var pendingTilde = false
        for character in token {
            if pendingTilde {
                pendingTilde = false
                switch character {
                case "0": unescaped.append("~")
                case "1": unescaped.append("/")
                default: unescaped += "~" + String(character)
                }
            } else if character == "~" {
                pendingTilde = true
            } else {
                unescaped.append(character)
            }
        }
        if pendingTilde { unescaped.append("~") }
        return unescaped
    }

    public static func appending(_ token: String, to pointer: String) -> String {
        pointer + "/" + escape(token)
    }
}
